package io.dptrain.engine;

import io.dptrain.config.DptrainConfig;
import org.slf4j.LoggerFactory;

/**
 * {@code dptrain.train.time-budget-seconds}: whether a run's training time (listeners included, as in
 * TrainingResult.trainMillis) has passed its budget. The trainers ask after each round and, once it
 * has, end the epoch there (its epoch-end listeners run) and stop.
 */
public final class TimeBudget {
    private final long budgetMillis;
    private final long startMillis;
    private boolean logged;

    /**
     * @param alreadySpentMillis training time before this start (a resumed run's earlier rounds)
     */
    public TimeBudget(DptrainConfig.Training train, long alreadySpentMillis) {
        this.budgetMillis = Math.round(train.timeBudgetSeconds() * 1000);
        this.startMillis = System.currentTimeMillis() - alreadySpentMillis;
    }

    /** Whether the budget is set and spent; logs the first time it is. */
    public boolean spent(int round) {
        boolean spent = budgetMillis > 0 && System.currentTimeMillis() - startMillis >= budgetMillis;
        if (spent && !logged) {
            logged = true;
            LoggerFactory.getLogger(TimeBudget.class).info("training time budget of {} s spent after round {}: "
                    + "stopping", budgetMillis / 1000.0, round);
        }
        return spent;
    }
}
