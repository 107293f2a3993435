/**
 * Networks: DL4J configurations for the presets (mlp, lenet, vgg-mini) built from the run's
 * configuration.
 *
 * <p>{@link io.dptrain.model.Networks} maps {@code dptrain.model} (preset and sizes),
 * {@code dptrain.train} (updater, L2, clipping, loss, seed) and {@code dptrain.data} (image shape,
 * classes) onto a {@code MultiLayerConfiguration}. Every network takes flat CHW feature rows and
 * one-hot labels, so all trainers feed every preset the same minibatches.
 */
package io.dptrain.model;
