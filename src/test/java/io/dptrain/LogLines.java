package io.dptrain;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Captures what a logger logs while an action runs (log4j 2, the binding Spark brings). */
public final class LogLines {
    private LogLines() {
    }

    /** The formatted messages {@code logger} logs while {@code action} runs. */
    public static List<String> of(Class<?> logger, Runnable action) {
        org.apache.logging.log4j.core.Logger log = (org.apache.logging.log4j.core.Logger) LogManager.getLogger(logger);
        List<String> lines = new CopyOnWriteArrayList<>();
        AbstractAppender appender = new AbstractAppender("capture-" + logger.getSimpleName(), null, null, true,
                Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        log.addAppender(appender);
        try {
            action.run();
        } finally {
            log.removeAppender(appender);
            appender.stop();
        }
        return lines;
    }
}
