package io.dptrain.bench;

import io.dptrain.config.Choices.EngineMode;
import io.dptrain.config.Choices.Exchange;
import io.dptrain.config.Choices.LearningRateScaling;
import io.dptrain.config.Choices.OuterOptimizer;
import io.dptrain.config.Choices.Updater;
import io.dptrain.config.DptrainConfig;
import io.dptrain.report.EpochEvaluation;
import io.dptrain.report.Provenance;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One variant of the convergence benchmark read back from its run folder: the name is the folder's,
 * the settings come from the run's configuration, and the figures from {@link BenchmarkRun}.
 *
 * <p>A run under {@code train.time-budget-seconds} stops after the first round past the budget and
 * evaluates there, so its last evaluation may end a partial epoch. It is partial when the run stopped
 * before its configured epochs and that epoch has fewer rounds than the first one (or is the first);
 * {@link #accuracyAfter} answers for whole epochs only, {@link #atBudget} is the last evaluation.
 *
 * @param name       the variant, the run folder's name (e.g. pa-k20-nesterov)
 * @param provenance the run's provenance.json
 * @param run        the run's figures (steady ex/s, per-round breakdown)
 */
public record ConvergenceRun(String name, Provenance provenance, BenchmarkRun run) {

    /** Reads a run folder written by {@code dptrain train}; errors name the folder and what is wrong. */
    public static ConvergenceRun read(Path dir) {
        RunFolder folder = RunFolder.read(dir);
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new ConvergenceRun(name == null ? dir.toString() : name.toString(), folder.provenance(),
                BenchmarkRun.of(folder));
    }

    public DptrainConfig config() {
        return provenance.config();
    }

    public EngineMode mode() {
        return run.mode();
    }

    /** The last test evaluation: where the budget (or the configured epochs) ended the run. */
    public EpochEvaluation.Point atBudget() {
        return run.epochs().get(run.epochs().size() - 1);
    }

    /** Whether {@link #atBudget()} ends a partial epoch (see the type's comment). */
    public boolean endsInPartialEpoch() {
        int last = atBudget().epoch();
        if (last >= config().train().epochs()) {
            return false;
        }
        return last == 1 || roundsIn(last) < roundsIn(1);
    }

    private long roundsIn(int epoch) {
        return run.rounds().stream().filter(r -> r.epoch() == epoch).count();
    }

    /** The last whole epoch evaluated (0 when the run stopped inside its first). */
    public int lastWholeEpoch() {
        return endsInPartialEpoch() ? atBudget().epoch() - 1 : atBudget().epoch();
    }

    /** Test accuracy after a whole (1-based) epoch; empty for a partial or an unevaluated one. */
    public OptionalDouble accuracyAfter(int epoch) {
        return epoch <= lastWholeEpoch() ? run.accuracyAfter(epoch) : OptionalDouble.empty();
    }

    /** The first evaluation, whole epoch or at the budget, at or above the target; empty when none is. */
    public Optional<EpochEvaluation.Point> firstReaching(double target) {
        return run.epochs().stream().filter(p -> p.accuracy() >= target).findFirst();
    }

    /**
     * The settings that tell variants apart, e.g. "parameter-averaging, 2 x 64, k=20, outer nesterov eta=0.7
     * mu=0.9" or "single-process, batch 128".
     */
    public String settings() {
        DptrainConfig.Engine engine = config().engine();
        int batch = config().train().batchSize();
        if (!mode().roundEngine()) {
            return mode().configName() + ", batch " + batch;
        }
        StringBuilder s = new StringBuilder(mode().configName()).append(", ")
                .append(run.workers() > 0 ? Integer.toString(run.workers()) : "default").append(" x ").append(batch);
        if (mode() == EngineMode.PARAMETER_AVERAGING) {
            s.append(", k=").append(engine.localSteps());
            DptrainConfig.Outer outer = engine.outer();
            if (outer.optimizer() != OuterOptimizer.NONE) {
                s.append(String.format(Locale.ROOT, ", outer %s eta=%s mu=%s", outer.optimizer().configName(),
                        plain(outer.learningRate()), plain(outer.momentum())));
            }
        }
        if (engine.exchange() != Exchange.FLOAT32) {
            s.append(", ").append(engine.exchange().configName());
        }
        DptrainConfig.Training train = config().train();
        if (train.warmupRounds() > 0) {
            s.append(", warm-up ").append(train.warmupRounds()).append(" rounds");
        }
        if (train.learningRateScaling() != LearningRateScaling.NONE) {
            s.append(", rate scaling ").append(train.learningRateScaling().configName());
        }
        if (train.flushSubnormalsEvery() == 0) {
            s.append(", subnormals not flushed");
        }
        if (!train.vectorizedAdam() && train.updater() == Updater.ADAM) {
            s.append(", DL4J's Adam op");
        }
        return s.toString();
    }

    private static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
