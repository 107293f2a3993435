package io.dptrain.data.text;

import static org.apache.spark.sql.functions.col;

import io.dptrain.data.ExampleCodec;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * Prepared text rows ({@value TextTable#LABEL}, {@value TextTable#TOKENS}) as records of a
 * 4-byte label, a 4-byte token count and the 4-byte token ids, for the engine's shuffle.
 *
 * @param shape the shape of the prepared table
 */
public record TokenCodec(SequenceShape shape) implements ExampleCodec {

    private static final long serialVersionUID = 1L;

    /**
     * Checks the shape.
     *
     * @param shape the prepared table's shape, not null
     */
    public TokenCodec {
        Objects.requireNonNull(shape, "shape");
    }

    @Override
    public int classes() {
        return shape.classes();
    }

    @Override
    public Column[] columns() {
        return new Column[] {col(TextTable.LABEL), col(TextTable.TOKENS)};
    }

    @Override
    public byte[] encode(Row row) {
        List<Integer> ids = row.getList(1);
        ByteBuffer record = ByteBuffer.allocate(8 + 4 * ids.size())
                .putInt(row.getInt(0)).putInt(ids.size());
        for (Integer id : ids) {
            record.putInt(id);
        }
        return record.array();
    }

    @Override
    public TokenSequences decode(List<byte[]> records) {
        int[][] tokens = new int[records.size()][];
        int[] labels = new int[records.size()];
        for (int i = 0; i < labels.length; i++) {
            ByteBuffer record = ByteBuffer.wrap(records.get(i));
            labels[i] = record.getInt();
            tokens[i] = new int[record.getInt()];
            for (int t = 0; t < tokens[i].length; t++) {
                tokens[i][t] = record.getInt();
            }
        }
        return new TokenSequences(tokens, labels, shape.classes(), shape.maxLength());
    }

    @Override
    public TokenSequences unlabelled(List<Row> rows, int column) {
        int[][] tokens = new int[rows.size()][];
        for (int i = 0; i < tokens.length; i++) {
            List<Integer> ids = rows.get(i).getList(column);
            tokens[i] = ids.stream().mapToInt(Integer::intValue).toArray();
        }
        return new TokenSequences(tokens, new int[tokens.length], shape.classes(), shape.maxLength());
    }
}
