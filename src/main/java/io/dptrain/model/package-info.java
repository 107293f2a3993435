/**
 * Networks: DL4J configurations for the presets built from the run's configuration: image
 * classifiers (mlp, lenet, vgg-mini) and token-sequence classifiers (rnn, lstm).
 *
 * <p>{@link io.dptrain.model.Networks} maps {@code dptrain.model} (preset and sizes),
 * {@code dptrain.train} (updater, L2, clipping, loss, seed) and {@code dptrain.data} (image shape or
 * vocabulary size and max length, classes) onto a {@code MultiLayerConfiguration}. Image presets take
 * flat CHW feature rows, text presets token-id rows {@code [n, max-length]} with a features mask; all
 * take one-hot labels {@code [n, classes]}, so all trainers feed every preset the same kind of minibatch.
 */
package io.dptrain.model;
