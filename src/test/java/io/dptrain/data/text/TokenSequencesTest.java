package io.dptrain.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

@Tag("unit")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenSequencesTest {

    private static final TokenSequences THREE = new TokenSequences(
            new int[][] {{5, 6, 7}, {8}, {9, 10, 11, 12}}, new int[] {1, 0, 2}, 3, 4);

    @Test
    void minibatchesPadAtTheEndAndMaskThePadding() {
        List<DataSet> batches = THREE.minibatches(2, DataType.FLOAT);

        assertThat(batches).hasSize(2);
        DataSet first = batches.get(0);
        assertThat(first.getFeatures().shape()).containsExactly(2, 4);
        assertThat(first.getFeatures().toFloatMatrix())
                .isEqualTo(new float[][] {{5, 6, 7, 0}, {8, 0, 0, 0}});
        assertThat(first.getFeaturesMaskArray().toFloatMatrix())
                .isEqualTo(new float[][] {{1, 1, 1, 0}, {1, 0, 0, 0}});
        assertThat(first.getLabels().toFloatMatrix())
                .isEqualTo(new float[][] {{0, 1, 0}, {1, 0, 0}});
        assertThat(first.getLabelsMaskArray()).isNull();

        DataSet last = batches.get(1);
        assertThat(last.getFeatures().toFloatMatrix()).isEqualTo(new float[][] {{9, 10, 11, 12}});
        assertThat(last.getFeaturesMaskArray().toFloatMatrix()).isEqualTo(new float[][] {{1, 1, 1, 1}});
        assertThat(last.getLabels().toFloatMatrix()).isEqualTo(new float[][] {{0, 0, 1}});
    }

    @Test
    void minibatchesInTheRequestedPrecision() {
        DataSet batch = THREE.minibatches(10, DataType.DOUBLE).get(0);

        assertThat(batch.getFeatures().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(batch.getFeaturesMaskArray().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(batch.getLabels().dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(batch.getFeatures().shape()).containsExactly(3, 4);
        assertThat(batch.getFeaturesMaskArray().sumNumber().intValue()).isEqualTo(3 + 1 + 4);
    }

    @Test
    void countSliceAndEquality() {
        assertThat(THREE.count()).isEqualTo(3);
        assertThat(THREE.classes()).isEqualTo(3);
        TokenSequences tail = THREE.slice(1, 3);
        assertThat(tail).isEqualTo(new TokenSequences(new int[][] {{8}, {9, 10, 11, 12}},
                new int[] {0, 2}, 3, 4));
        assertThat(tail.hashCode()).isEqualTo(new TokenSequences(
                new int[][] {{8}, {9, 10, 11, 12}}, new int[] {0, 2}, 3, 4).hashCode());
        assertThat(tail).isNotEqualTo(THREE);
        assertThat(THREE.toString()).contains("count=3", "maxLength=4");
        assertThatThrownBy(() -> THREE.minibatches(0, DataType.FLOAT))
                .hasMessage("batchSize must be >= 1, got 0");
    }

    @Test
    void rejectsInvalidRows() {
        assertThatThrownBy(() -> new TokenSequences(new int[][] {{}}, new int[] {0}, 2, 3))
                .hasMessage("example 0 must have 1..3 tokens, got 0");
        assertThatThrownBy(() -> new TokenSequences(new int[][] {{1}, {1, 2, 3, 4}},
                new int[] {0, 1}, 2, 3))
                .hasMessage("example 1 must have 1..3 tokens, got 4");
        assertThatThrownBy(() -> new TokenSequences(new int[][] {{3, 0}}, new int[] {0}, 2, 3))
                .hasMessage("example 0 holds token id 0; ids must be >= 1 (0 is padding)");
        assertThatThrownBy(() -> new TokenSequences(new int[][] {{3}}, new int[] {2}, 2, 3))
                .hasMessage("label of example 0 must be in 0..1, got 2");
        assertThatThrownBy(() -> new TokenSequences(new int[][] {{3}}, new int[] {0, 1}, 2, 3))
                .hasMessage("tokens and labels must have the same length, got 1 and 2");
        assertThatThrownBy(() -> new TokenSequences(new int[0][], new int[0], 1, 3))
                .hasMessage("classes must be >= 2, got 1");
        assertThatThrownBy(() -> new TokenSequences(new int[0][], new int[0], 2, 0))
                .hasMessage("maxLength must be >= 1, got 0");
    }

    @Test
    void vocabularyOfValidatesWords() {
        Vocabulary v = Vocabulary.of(List.of("spam", "ham"));
        assertThat(v.size()).isEqualTo(4);
        assertThat(v.tokens()).containsExactly("<pad>", "<unk>", "spam", "ham");
        assertThat(v.id("ham")).isEqualTo(3);
        assertThat(v.id("eggs")).isEqualTo(Vocabulary.UNK_ID);
        assertThat(v.token(0)).isEqualTo(Vocabulary.PAD);
        assertThat(v.fingerprint()).hasSize(16).isEqualTo(Vocabulary.of(List.of("spam", "ham"))
                .fingerprint()).isNotEqualTo(Vocabulary.of(List.of("ham", "spam")).fingerprint());

        assertThatThrownBy(() -> Vocabulary.of(List.of())).hasMessageContaining("at least one word");
        assertThatThrownBy(() -> Vocabulary.of(List.of("a", "b", "a")))
                .hasMessage("word 'a' appears twice, at 0 and 2");
        assertThatThrownBy(() -> Vocabulary.of(List.of("a b")))
                .hasMessage("word 0 must be non-empty and hold no whitespace, got 'a b'");
        assertThatThrownBy(() -> Vocabulary.of(List.of("x", "<unk>")))
                .hasMessage("word 1 is the reserved token <unk>");
    }

    @Test
    void sequenceShapeValidates() {
        assertThat(new SequenceShape(5, 10, List.of("a", "b", "c"), "f").classes()).isEqualTo(3);
        assertThatThrownBy(() -> new SequenceShape(0, 10, List.of("a", "b"), "f"))
                .hasMessage("maxLength must be >= 1, got 0");
        assertThatThrownBy(() -> new SequenceShape(5, 2, List.of("a", "b"), "f"))
                .hasMessageContaining("vocabularySize must be >= 3");
        assertThatThrownBy(() -> new SequenceShape(5, 10, List.of("a"), "f"))
                .hasMessage("classNames must hold at least 2 classes, got [a]");
        assertThatThrownBy(() -> new SequenceShape(5, 10, List.of("a", "a"), "f"))
                .hasMessage("classNames must be distinct, got [a, a]");
    }
}
