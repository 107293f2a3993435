package io.dptrain.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostModelTest {

    @Test
    void treeShapeFollowsSparksTreeAggregateRule() {
        // depth 2: scale = max(ceil(sqrt N), 2); a level is added while n > scale + ceil(n / scale)
        assertThat(CostModel.TreeShape.of(1, 2)).isEqualTo(new CostModel.TreeShape(0, 2, 1));
        assertThat(CostModel.TreeShape.of(2, 2)).isEqualTo(new CostModel.TreeShape(0, 2, 2));
        assertThat(CostModel.TreeShape.of(4, 2)).isEqualTo(new CostModel.TreeShape(0, 2, 4));
        assertThat(CostModel.TreeShape.of(8, 2)).isEqualTo(new CostModel.TreeShape(1, 3, 2));
        assertThat(CostModel.TreeShape.of(16, 2)).isEqualTo(new CostModel.TreeShape(1, 4, 4));
        assertThat(CostModel.TreeShape.of(64, 2)).isEqualTo(new CostModel.TreeShape(1, 8, 8));
        assertThat(CostModel.TreeShape.of(64, 3)).isEqualTo(new CostModel.TreeShape(2, 4, 4));
        assertThat(CostModel.TreeShape.of(8, 1).levels()).as("depth 1: no tree").isZero();
        assertThatThrownBy(() -> CostModel.TreeShape.of(0, 2)).hasMessageContaining("N = 0");
    }

    @Test
    void expectedMaximumOfNormalsMatchesKnownValues() {
        assertThat(CostModel.expectedMaxOfNormals(1)).isZero();
        assertThat(CostModel.expectedMaxOfNormals(2)).isCloseTo(1 / Math.sqrt(Math.PI), within(1e-6));
        assertThat(CostModel.expectedMaxOfNormals(3)).isCloseTo(1.5 / Math.sqrt(Math.PI), within(1e-6));
        assertThat(CostModel.expectedMaxOfNormals(8)).isCloseTo(1.4236, within(1e-3));
    }

    @Test
    void fitRecoversTheCoefficientsOfRoundsTheModelMade() {
        double[] truth = {20, 1.5, 12, 3, 2, 1};
        List<CostModel.Sample> samples = new ArrayList<>();
        for (int n : new int[]{1, 2, 4, 8}) {
            for (double[] bytes : new double[][]{{1.7e6, 1.7e6}, {5.2e6, 10.4e6}, {0.3e6, 0.15e6}}) {
                double[] x = CostModel.regressors(n, bytes[0], bytes[1], Math.max(1, n / 2.0), 2);
                double y = 0;
                for (int i = 0; i < x.length; i++) {
                    y += truth[i] * x[i];
                }
                samples.add(new CostModel.Sample("n" + n, n, bytes[0], bytes[1], y, 2));
            }
        }
        CostModel model = CostModel.fit(samples, 2);
        assertThat(model.coefficients()).containsExactly(truth, within(1e-6));
        CostModel.Sample s = samples.get(7);
        assertThat(model.measuredMachineMs(s.workers(), s.broadcastBytes(), s.sentBytesPerReplica(), 2))
                .isCloseTo(s.roundMs(), within(1e-6));
        assertThat(model.clusterMs(8, 1e6, 1e6, 2)).as("no oversubscription on a cluster")
                .isLessThan(model.measuredMachineMs(8, 1e6, 1e6, 2));
    }

    @Test
    void tooFewRunsForTheFitAreAnError() {
        List<CostModel.Sample> few = List.of(new CostModel.Sample("a", 1, 1, 1, 1, 2));
        assertThatThrownBy(() -> CostModel.fit(few, 2)).hasMessageContaining("more than 6");
    }

    @Test
    void runsThatCannotTellTheTermsApartAreAnError() {
        // one byte count: "MB broadcast" is a multiple of the constant
        List<CostModel.Sample> same = new ArrayList<>();
        for (int n : new int[]{1, 2, 4, 8, 1, 2, 4, 8}) {
            same.add(new CostModel.Sample("n" + n, n, 1e6, 1e6, 10 + n, 2));
        }
        assertThatThrownBy(() -> CostModel.fit(same, 2)).hasMessageContaining("do not tell the terms");
    }

    @Test
    void transferTimeCountsTheBroadcastHopsAndTheVectorsReceived() {
        double bw = 1e9;
        // N = 1: the state once out, one vector back
        assertThat(CostModel.transferMs(1, 2e6, 1e6, 2, bw)).isCloseTo(3.0, within(1e-9));
        // N = 8: ceil(log2 9) = 4 broadcast hops; one level of scale 3 then 2 vectors at the driver
        assertThat(CostModel.transferMs(8, 2e6, 1e6, 2, bw)).isCloseTo((4 * 2e6 + 5 * 1e6) / 1e6, within(1e-9));
    }
}
