package io.dptrain.notebook;

/**
 * A note could not be run: a paragraph failed (compile error, exception, incomplete code), used an
 * interpreter this runner does not have, or the REPL or its Spark session could not start. The message
 * names the note and, for a paragraph, its number (1-based) and id.
 */
public final class NotebookException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the note (and paragraph) */
    public NotebookException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the note (and paragraph)
     * @param cause   the underlying failure
     */
    public NotebookException(String message, Throwable cause) {
        super(message, cause);
    }
}
