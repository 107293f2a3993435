package io.dptrain.report;

import io.dptrain.RoundMetrics;
import io.dptrain.RunPlan;
import io.dptrain.TrainingListener;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Logs a progress line every N rounds and at every epoch end: round, epoch, mean loss since the last
 * line, examples/s and the estimated time left.
 */
public final class ConsoleProgress implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleProgress.class);
    private final int every;
    private RunPlan plan;
    private long start;
    private long examples;
    private double lossSum;
    private long lossExamples;
    private int roundsRun;

    /** @param every a line every this many rounds (0: only at epoch ends) */
    public ConsoleProgress(int every) {
        if (every < 0) {
            throw new IllegalArgumentException("every must be >= 0, got " + every);
        }
        this.every = every;
    }

    @Override
    public void onStart(RunPlan plan) {
        this.plan = plan;
        start = System.currentTimeMillis();
        examples = 0;
        lossSum = 0;
        lossExamples = 0;
        roundsRun = 0;
        LOG.info("training: {} with {} worker(s), {} epoch(s) x {} rounds, {} examples per epoch", plan.mode(),
                plan.workers(), plan.epochs(), plan.roundsPerEpoch(), plan.examplesPerEpoch());
    }

    @Override
    public void onRound(RoundMetrics m, MultiLayerNetwork model) {
        roundsRun++;
        examples += m.examples();
        lossSum += m.loss() * m.examples();
        lossExamples += m.examples();
        boolean epochEnd = m.round() % plan.roundsPerEpoch() == 0;
        if (epochEnd || (every > 0 && m.round() % every == 0)) {
            long elapsed = Math.max(1, System.currentTimeMillis() - start);
            double perSecond = examples * 1000.0 / elapsed;
            long etaSeconds = etaSeconds(elapsed, roundsRun, plan.totalRounds() - m.round());
            LOG.info(String.format(Locale.ROOT, "round %d/%d (epoch %d/%d)  loss %.4f  %.0f ex/s  ETA %s", m.round(),
                    plan.totalRounds(), m.epoch(), plan.epochs(), lossSum / lossExamples, perSecond,
                    duration(etaSeconds)));
            lossSum = 0;
            lossExamples = 0;
        }
    }

    /**
     * Time left at this run's pace: a resumed run has run fewer rounds than the round numbers say, so
     * the pace counts only the rounds since {@link #onStart}.
     */
    static long etaSeconds(long elapsedMs, int roundsRun, int roundsLeft) {
        return Math.round((double) elapsedMs / roundsRun * roundsLeft / 1000);
    }

    static String duration(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
}
