package io.dptrain.data;

/**
 * An IDX file that cannot be read as requested: wrong magic number, truncated data, image and
 * label counts that disagree, a label outside the class range, or no images at all. The message
 * names the file and the offending values.
 */
public class IdxFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file and the values
     */
    public IdxFormatException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what is wrong, naming the file and the values
     * @param cause   the underlying error
     */
    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
