package io.dptrain.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.nio.ByteBuffer;
import java.util.List;

/** Image rows (label, pixels) as records of a 4-byte label followed by the pixel bytes. */
public record ImageCodec(ImageShape shape) implements ExampleCodec {

    @Override
    public int classes() {
        return shape.classes();
    }

    @Override
    public Column[] columns() {
        return new Column[]{functions.col(ImageTable.LABEL), functions.col(ImageTable.PIXELS)};
    }

    @Override
    public byte[] encode(Row row) {
        byte[] pixels = row.getAs(1);
        return ByteBuffer.allocate(4 + pixels.length).putInt(row.getInt(0)).put(pixels).array();
    }

    @Override
    public LabeledImages decode(List<byte[]> records) {
        int perImage = shape.pixelsPerImage();
        byte[] pixels = new byte[records.size() * perImage];
        int[] labels = new int[records.size()];
        for (int i = 0; i < labels.length; i++) {
            ByteBuffer record = ByteBuffer.wrap(records.get(i));
            labels[i] = record.getInt();
            record.get(pixels, i * perImage, perImage);
        }
        return new LabeledImages(shape, pixels, labels);
    }

    @Override
    public LabeledImages unlabelled(List<Row> rows, int column) {
        int perImage = shape.pixelsPerImage();
        byte[] pixels = new byte[rows.size() * perImage];
        for (int i = 0; i < rows.size(); i++) {
            byte[] image = rows.get(i).getAs(column);
            if (image.length != perImage) {
                throw new IllegalArgumentException("an image has " + image.length + " pixel bytes, the model takes "
                        + perImage + " (" + shape.height() + "x" + shape.width() + "x" + shape.channels() + ")");
            }
            System.arraycopy(image, 0, pixels, i * perImage, perImage);
        }
        return new LabeledImages(shape, pixels, new int[rows.size()]);
    }
}
