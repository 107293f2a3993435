package io.dptrain.report;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import io.dptrain.json.MetricsLines;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every round's metrics; {@link #toJsonLines()} is what the run writes next to the model
 * (metrics.jsonl) and {@link #toDataFrame} gives them to a notebook as a DataFrame.
 */
public final class MetricsSink implements TrainingListener {
    private final List<RoundMetrics> rounds = new ArrayList<>();

    @Override
    public void onStart(RunPlan plan) {
        rounds.clear();
    }

    @Override
    public void onRound(RoundMetrics metrics, MultiLayerNetwork model) {
        rounds.add(metrics);
    }

    public List<RoundMetrics> rounds() {
        return List.copyOf(rounds);
    }

    /**
     * One JSON object per round, fields named as in {@link RoundMetrics}: {@link MetricsLines}, lossless
     * (a non-finite loss is the string "NaN", "Infinity" or "-Infinity").
     */
    public String toJsonLines() {
        return MetricsLines.write(rounds);
    }

    /** The rounds as a DataFrame with one column per {@link RoundMetrics} field. */
    public Dataset<Row> toDataFrame(SparkSession spark) {
        StructType schema = new StructType()
                .add("round", DataTypes.IntegerType).add("epoch", DataTypes.IntegerType)
                .add("loss", DataTypes.DoubleType).add("examples", DataTypes.LongType)
                .add("computeMsMax", DataTypes.LongType).add("computeMsMean", DataTypes.DoubleType)
                .add("broadcastMs", DataTypes.LongType).add("waitMs", DataTypes.LongType)
                .add("combineMs", DataTypes.LongType).add("bytesBroadcast", DataTypes.LongType)
                .add("bytesAggregated", DataTypes.LongType).add("roundMs", DataTypes.LongType);
        List<Row> rows = new ArrayList<>(rounds.size());
        for (RoundMetrics m : rounds) {
            rows.add(RowFactory.create(m.round(), m.epoch(), m.loss(), m.examples(), m.computeMsMax(),
                    m.computeMsMean(), m.broadcastMs(), m.waitMs(), m.combineMs(), m.bytesBroadcast(),
                    m.bytesAggregated(), m.roundMs()));
        }
        return spark.createDataFrame(rows, schema);
    }
}
