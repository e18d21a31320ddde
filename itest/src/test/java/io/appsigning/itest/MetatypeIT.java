package io.appsigning.itest;

import static org.assertj.core.api.Assertions.assertThat;

import io.appsigning.truststore.TrustStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
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
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Issue 13, item 5: every configuration has its metatype, as Apache Felix Metatype (and so the Web
 * Console) reads it, and a trust store configuration change applies without restarting anything.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MetatypeIT {

    private final BundleContext context = Probe.context();

    @Configuration
    public Option[] configuration() {
        return new Option[] {ItestConfig.runtime(ItestConfig.freshHome())};
    }

    private Map<String, AttributeDefinition> attributes(String bundle, String pid) throws Exception {
        MetaTypeService metatype = Services.await(context, MetaTypeService.class);
        Bundle owner = Arrays.stream(context.getBundles()).filter(b -> bundle.equals(b.getSymbolicName())).findFirst().orElseThrow();
        MetaTypeInformation information = metatype.getMetaTypeInformation(owner);
        assertThat(information.getPids()).as("PIDs with metatype in " + bundle).contains(pid);
        ObjectClassDefinition definition = information.getObjectClassDefinition(pid, null);
        assertThat(definition.getName()).isNotBlank();
        return Arrays.stream(definition.getAttributeDefinitions(ObjectClassDefinition.ALL))
                .collect(Collectors.toMap(AttributeDefinition::getID, Function.identity()));
    }

    @Test
    public void trustStore() throws Exception {
        Map<String, AttributeDefinition> attributes = attributes("io.appsigning.trust-store-bundle", "io.appsigning.truststore");
        assertThat(attributes).containsOnlyKeys("path", "denylist", "pollIntervalMillis");
        assertThat(attributes.get("pollIntervalMillis").getType()).isEqualTo(AttributeDefinition.LONG);
        assertThat(attributes.get("pollIntervalMillis").getDefaultValue()).containsExactly("2000");
    }

    @Test
    public void gate() throws Exception {
        Map<String, AttributeDefinition> attributes = attributes("io.appsigning.upm-verifier-bundle", "io.appsigning.gate");
        assertThat(attributes).containsKey("maxAppBytes");
        assertThat(attributes.get("maxAppBytes").getType()).isEqualTo(AttributeDefinition.LONG);
    }

    @Test
    public void health() throws Exception {
        Map<String, AttributeDefinition> attributes = attributes("io.appsigning.healthcheck-bundle", "io.appsigning.health");
        assertThat(attributes).containsKey("expiryWarnDays");
        assertThat(attributes.get("expiryWarnDays").getDefaultValue()).containsExactly("30");
    }

    @Test
    public void policyWithItsModesAsOptions() throws Exception {
        Map<String, AttributeDefinition> attributes = attributes("io.appsigning.upm-verifier-bundle", "io.appsigning.policy");
        assertThat(attributes).containsKeys("mode", "enforceAfter", "mode.upload", "mode.marketplace", "upload.enabled");
        assertThat(attributes).doesNotContainKeys("trustStore.looseCheck", "policy.adminMayRelax", "strict")
                .as("file or system property only");
        assertThat(attributes.get("mode").getOptionValues()).contains("OFF", "WARN", "ENFORCE");
        assertThat(attributes.get("mode.upload").getOptionValues()).contains("OFF", "WARN", "ENFORCE");
    }

    @Test
    public void aTrustStoreConfigurationChangeAppliesInPlace() throws Exception {
        TrustStore trust = Services.await(context, TrustStore.class);
        ServiceReference<TrustStore> before = context.getServiceReference(TrustStore.class);
        Path home = Path.of(context.getProperty("appsigning.home"));
        Path other = Files.createDirectories(home.resolve("upmconfig/other-truststore"));
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("path", other.toString());
        properties.put("pollIntervalMillis", 500L);
        ConfigurationAdmin configurationAdmin = Services.await(context, ConfigurationAdmin.class);
        org.osgi.service.cm.Configuration configuration = configurationAdmin.getConfiguration("io.appsigning.truststore", "?");
        configuration.update(properties);
        Services.awaitTrue("the trust store follows the new folder", () -> trust.snapshot().folder().equals(other));
        ServiceReference<TrustStore> after = context.getServiceReference(TrustStore.class);
        assertThat(after.getProperty("service.id")).as("the same registration: nothing was restarted")
                .isEqualTo(before.getProperty("service.id"));
        assertThat(after.getProperty("pollIntervalMillis")).isEqualTo(500L);
        configuration.delete();
        Services.awaitTrue("back to the default folder", () -> trust.snapshot().folder().endsWith(List.of("upmconfig", "truststore")
                .stream().map(Path::of).reduce(Path::resolve).orElseThrow()));
    }
}
