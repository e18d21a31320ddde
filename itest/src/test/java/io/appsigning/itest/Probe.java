package io.appsigning.itest;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/** Access from inside the probe bundle (no javax.inject needed). */
final class Probe {
    private Probe() {
    }

    static BundleContext context() {
        var bundle = FrameworkUtil.getBundle(Probe.class);
        // Outside the framework (when JUnit instantiates the class in the test JVM) there is none.
        return bundle == null ? null : bundle.getBundleContext();
    }
}
