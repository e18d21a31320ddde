package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/** The runtime boots: every provisioned bundle is ACTIVE (fragments RESOLVED). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeIT {

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] config() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    @Test
    public void everyBundleIsActive() {
        Map<String, Bundle> bySymbolicName = Arrays.stream(context.getBundles())
                .collect(Collectors.toMap(Bundle::getSymbolicName, Function.identity(), (a, b) -> a));
        assertThat(bySymbolicName).containsKeys(ItestConfig.PROJECT_SYMBOLIC_NAMES.toArray(String[]::new));
        assertThat(bySymbolicName).containsKeys(
                "org.apache.felix.scr", "org.apache.felix.configadmin",
                "org.apache.felix.healthcheck.core", "org.apache.felix.healthcheck.api",
                "bcprov", "bcpkix", "com.fasterxml.jackson.core.jackson-databind");
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            assertThat(bundle.getState())
                    .as("state of %s (%s)", bundle.getSymbolicName(), bundle.getLocation())
                    .isEqualTo(expected);
        }
    }

    @Test
    public void homeIsTheFrameworkProperty() {
        assertThat(context.getProperty("appsigning.home")).isNotBlank();
    }
}
