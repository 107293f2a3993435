package io.dptrain.engine;

import io.dptrain.RoundMetrics;
import io.dptrain.config.DptrainConfig;
import org.slf4j.LoggerFactory;

/**
 * {@code dptrain.train.time-budget-seconds}: whether a run's training time has passed its budget. Training
 * time is the sum of the rounds' times ({@link RoundMetrics#roundMs}), so evaluations and other listeners
 * do not count: engines that evaluate at different moments get the same time to train. The trainers ask
 * after each round and, once it is spent, end the epoch there (its epoch-end listeners run) and stop.
 */
public final class TimeBudget {
    private final long budgetMillis;
    private long spentMillis;
    private boolean logged;

    /**
     * @param alreadySpentMillis training time before this start (a resumed run's earlier rounds)
     */
    public TimeBudget(DptrainConfig.Training train, long alreadySpentMillis) {
        this.budgetMillis = Math.round(train.timeBudgetSeconds() * 1000);
        this.spentMillis = alreadySpentMillis;
    }

    /** Training time left before the budget is spent, at least 1 ms while it is set; 0: no budget. */
    public long leftMillis() {
        return budgetMillis <= 0 ? 0 : Math.max(1, budgetMillis - spentMillis);
    }

    /** Counts the round's time; whether the budget is set and now spent (logged the first time). */
    public boolean spentAfter(RoundMetrics round) {
        spentMillis += round.roundMs();
        boolean spent = budgetMillis > 0 && spentMillis >= budgetMillis;
        if (spent && !logged) {
            logged = true;
            LoggerFactory.getLogger(TimeBudget.class).info("training time budget of {} s spent after round {}: "
                    + "stopping", budgetMillis / 1000.0, round.round());
        }
        return spent;
    }
}
