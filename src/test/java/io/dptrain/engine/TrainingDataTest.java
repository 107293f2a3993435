package io.dptrain.engine;

import io.dptrain.LocalSparkTest;
import io.dptrain.config.ConfigLoader;
import io.dptrain.config.DptrainConfig;
import io.dptrain.data.Fixtures;
import io.dptrain.data.ImageTable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** data.validation-rows and data.train-limit split the training table by its seeded order alone. */
@Timeout(120)
class TrainingDataTest extends LocalSparkTest {

    private static DptrainConfig config(String... settings) {
        return ConfigLoader.load(null, List.of(settings));
    }

    /** Each row as text (label and pixels): the fixture's rows are its identity. */
    private static List<String> rows(Dataset<Row> table) {
        List<String> rows = new ArrayList<>();
        for (Row r : table.collectAsList()) {
            rows.add(r.getInt(r.fieldIndex(ImageTable.LABEL)) + ":"
                    + Arrays.toString((byte[]) r.get(r.fieldIndex(ImageTable.PIXELS))));
        }
        return rows;
    }

    @Test
    void validationRowsAreHeldOutOfTrainingAndTogetherTheyAreTheTable() {
        Dataset<Row> table = ImageTable.fromImages(spark(), Fixtures.train());
        DptrainConfig config = config("data.validation-rows=50");

        List<String> train = rows(TrainingData.checked(table, config));
        List<String> validation = rows(TrainingData.validation(table, config).orElseThrow());

        assertThat(validation).hasSize(50);
        assertThat(train).hasSize((int) table.count() - 50);
        Set<String> both = new HashSet<>(train);
        both.retainAll(new HashSet<>(validation));
        assertThat(both).as("rows both trained on and validated on").isEmpty();
        List<String> all = new ArrayList<>(train);
        all.addAll(validation);
        assertThat(all).containsExactlyInAnyOrderElementsOf(rows(table));
    }

    @Test
    void theSplitDependsOnTheRowsNotOnThePartitioning() {
        Dataset<Row> table = ImageTable.fromImages(spark(), Fixtures.train());
        Dataset<Row> reshuffled = table.repartition(7).sortWithinPartitions(ImageTable.PIXELS);
        DptrainConfig config = config("data.validation-rows=40", "data.train-limit=100");

        assertThat(rows(TrainingData.validation(reshuffled, config).orElseThrow()))
                .containsExactlyInAnyOrderElementsOf(rows(TrainingData.validation(table, config).orElseThrow()));
        List<String> train = rows(TrainingData.checked(table, config));
        assertThat(train).hasSize(100);
        assertThat(rows(TrainingData.checked(reshuffled, config))).containsExactlyInAnyOrderElementsOf(train);
        assertThat(train).doesNotContainAnyElementsOf(rows(TrainingData.validation(table, config).orElseThrow()));
    }

    @Test
    void withoutValidationRowsThereIsNoValidationSetAndTheTableIsKept() {
        Dataset<Row> table = ImageTable.fromImages(spark(), Fixtures.train());
        assertThat(TrainingData.validation(table, config())).isEmpty();
        assertThat(TrainingData.checked(table, config())).isSameAs(table);
    }

    @Test
    void holdingOutEveryRowIsAnErrorNamingTheValueAndTheRows() {
        Dataset<Row> table = ImageTable.fromImages(spark(), Fixtures.train());
        long rows = table.count();
        assertThatThrownBy(() -> TrainingData.checked(table, config("data.validation-rows=" + rows)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dptrain.data.validation-rows = " + rows)
                .hasMessageContaining("has " + rows + " rows");
    }

    @Test
    void negativeValidationRowsAreRejected() {
        assertThatThrownBy(() -> config("data.validation-rows=-1"))
                .hasMessageContaining("dptrain.data.validation-rows");
    }
}
