package io.dptrain;

/**
 * Derives independent, reproducible seeds from the run's root seed, so that every random choice
 * (weight init, data order per epoch, shard assignment, sampling) is fixed by the configuration and
 * none of them shares a stream with another. Uses the SplitMix64 finalizer over (root, purpose, index).
 */
public final class Seeds {
    private Seeds() {
    }

    /**
     * @param root    the configured seed ({@code dptrain.train.seed})
     * @param purpose a fixed name of the use, e.g. "epoch-order"
     * @param index   e.g. the epoch or the partition
     */
    public static long derive(long root, String purpose, long index) {
        long z = root ^ (purpose.hashCode() * 0x9E3779B97F4A7C15L) ^ (index * 0xBF58476D1CE4E5B9L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seeded Fisher-Yates permutation of 0..n-1. */
    public static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
