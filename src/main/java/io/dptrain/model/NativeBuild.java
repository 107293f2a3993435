package io.dptrain.model;

import io.dptrain.config.Choices.Preset;
import io.dptrain.config.DptrainConfig;
import org.slf4j.LoggerFactory;

/**
 * Which of nd4j's native builds this JVM loads. dptrain ships two: the plain {@code linux-x86_64} one and
 * {@code linux-x86_64-onednn} (oneDNN inside libnd4j; oneDNN picks AVX2 or AVX-512 kernels at run time).
 * JavaCPP loads the build named by the system property {@code org.bytedeco.javacpp.platform.extension}
 * ({@code -onednn}; unset or empty: the plain build), read once, when nd4j first loads its natives, so it must
 * be set before the first use of nd4j in the JVM and cannot change after.
 *
 * <p>Which build is faster depends on the network (jobs/bench-step.sh, README "Per-core speed"): with DL4J's
 * oneDNN layer helpers ({@link OneDnnHelpers}) the oneDNN build makes LeNet's step 3.8x and vgg-mini's 5.5x
 * faster, but it makes the LSTM's step slower (0.74x; its many small element-wise ops go through oneDNN too).
 * So {@link #select} picks by the configuration's preset, from the commands that train (before they start
 * Spark); an explicit {@code -Dorg.bytedeco.javacpp.platform.extension=...} always wins. Sessions dptrain
 * starts pass the choice on to executor JVMs ({@code RoundEngineSettings}).
 */
public final class NativeBuild {
    /** JavaCPP's property naming the native build's suffix. */
    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    /** The suffix of nd4j's oneDNN build. */
    public static final String ONEDNN = "-onednn";
    private static final String LIBRARY = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64" + ONEDNN
            + "/libnd4jcpu.so";

    private static volatile boolean loaded;

    private NativeBuild() {
    }

    /**
     * Loads nd4j's natives, once per JVM, on a thread of their own that ends right after, so that no thread
     * that computes is the one that loaded them. Measured on the -onednn build (NativeBuildTest): DL4J's oneDNN
     * convolutions round differently (last bits) on the thread that loaded the natives than on every other
     * thread, which all agree. An executor runs its tasks on a pool of threads, so a run whose replica
     * computed on the loading thread in one round and on another pool thread in the next (a busy thread, a
     * replica rebuilt after an executor loss) did not repeat itself bit for bit. Call it before the current
     * thread first uses nd4j; after its first call in a JVM it does nothing.
     */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (NativeBuild.class) {
            if (loaded) {
                return;
            }
            Throwable[] failure = new Throwable[1];
            Thread loader = new Thread(() -> {
                try {
                    org.nd4j.linalg.factory.Nd4j.create(new float[]{0f}).addi(1f); // loads and runs libnd4j
                } catch (Throwable e) {
                    failure[0] = e;
                }
            }, "dptrain-nd4j-loader");
            loader.setDaemon(true);
            loader.start();
            boolean interrupted = false;
            while (true) {
                try {
                    loader.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the natives must be loaded before this thread goes on
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure[0] != null) {
                throw new IllegalStateException("nd4j's native libraries did not load (build "
                        + System.getProperty(EXTENSION_PROPERTY, "plain") + "): " + failure[0], failure[0]);
            }
            loaded = true;
        }
    }

    /**
     * Chooses the build for {@code config}, unless a build was chosen already: the oneDNN build for the
     * convolutional presets (lenet, vgg-mini) with {@code dptrain.model.onednn-helpers} on, when it is on the
     * classpath; the plain build otherwise. Call it before anything in the JVM uses nd4j; it then loads the
     * natives ({@link #load}).
     */
    public static synchronized void select(DptrainConfig config) {
        if (System.getProperty(EXTENSION_PROPERTY) != null) {
            load();
            return;
        }
        Preset preset = config.model().preset();
        boolean wanted = (preset == Preset.LENET || preset == Preset.VGG_MINI) && config.model().onednnHelpers();
        boolean available = NativeBuild.class.getClassLoader().getResource(LIBRARY) != null;
        if (wanted && !available) {
            LoggerFactory.getLogger(NativeBuild.class).info("no {} on the classpath; nd4j loads its plain build",
                    LIBRARY);
        }
        System.setProperty(EXTENSION_PROPERTY, wanted && available ? ONEDNN : "");
        load();
    }

    /**
     * The native build nd4j loaded in this JVM, from the libraries JavaCPP loaded: {@code "-onednn"} or
     * {@code "plain"} (loads nd4j if nothing has yet).
     */
    public static String loaded() {
        org.nd4j.linalg.factory.Nd4j.getBackend();
        return org.bytedeco.javacpp.Loader.getLoadedLibraries().values().stream()
                .anyMatch(path -> path != null && path.contains("linux-x86_64" + ONEDNN + "/")) ? ONEDNN : "plain";
    }
}
