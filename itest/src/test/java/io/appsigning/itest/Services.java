package io.appsigning.itest;

import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The one way the integration tests wait: for DS components, which register asynchronously after
 * their bundle starts, and for conditions that follow a file or configuration change.
 */
final class Services {
    private static final long TIMEOUT_MILLIS = 10_000;

    private Services() {
    }

    /** The service of {@code type}, waiting for it to be registered; never null. */
    static <T> T await(BundleContext context, Class<T> type) throws InterruptedException {
        ServiceReference<T> reference = awaitReference(context, type);
        T service = context.getService(reference);
        if (service == null) {
            throw new AssertionError("the " + type.getName() + " service went away");
        }
        return service;
    }

    /** The reference of the service of {@code type}, waiting for it to be registered; never null. */
    static <T> ServiceReference<T> awaitReference(BundleContext context, Class<T> type) throws InterruptedException {
        long end = System.currentTimeMillis() + TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < end) {
            ServiceReference<T> reference = context.getServiceReference(type);
            if (reference != null) {
                return reference;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + type.getName() + " service within " + TIMEOUT_MILLIS + " ms");
    }

    /** The symbolic name of the bundle that registered the service of {@code type}. */
    static String provider(BundleContext context, Class<?> type) throws InterruptedException {
        Bundle bundle = awaitReference(context, type).getBundle();
        return bundle == null ? null : bundle.getSymbolicName();
    }

    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("timed out waiting for: " + what);
        }
    }

    /** {@link #awaitTrue} for a condition that may throw: a throw counts as not yet. */
    static void awaitTrying(String what, Callable<Boolean> condition) throws InterruptedException {
        awaitTrue(what, () -> {
            try {
                return condition.call();
            } catch (Exception e) {
                return false;
            }
        });
    }
}
