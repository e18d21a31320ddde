package io.appsigning.itest;

import java.util.function.BooleanSupplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/** Waiting for DS components, which register asynchronously after their bundle starts. */
final class Services {
    private static final long TIMEOUT_MILLIS = 10_000;

    private Services() {
    }

    static <T> T await(BundleContext context, Class<T> type) throws InterruptedException {
        long end = System.currentTimeMillis() + TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < end) {
            ServiceReference<T> reference = context.getServiceReference(type);
            if (reference != null) {
                T service = context.getService(reference);
                if (service != null) {
                    return service;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + type.getName() + " service within " + TIMEOUT_MILLIS + " ms");
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
}
