package io.appsigning.health.internal;

import io.appsigning.health.internal.TrustStoreChecks;
import io.appsigning.truststore.TrustStore;
import java.time.Duration;
import java.time.Instant;
import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code certificate-expiry}: trusted certificates that expire soon, or have. */
@Component(service = HealthCheck.class, configurationPid = "io.appsigning.health", property = {
    HealthCheck.NAME + "=" + TrustStoreChecks.EXPIRY,
    HealthCheck.TAGS + "=appsigning"})
@Designate(ocd = CertificateExpiryHealthCheck.Config.class)
public final class CertificateExpiryHealthCheck implements HealthCheck {

    @ObjectClassDefinition(name = "App signing health checks")
    public @interface Config {
        @AttributeDefinition(description = "Warn about certificates that expire within this many days")
        int expiryWarnDays() default 30;
    }

    @Reference
    private TrustStore trustStore;

    private volatile Duration warnWithin = TrustStoreChecks.DEFAULT_WARN_WITHIN;

    @Activate
    @Modified
    void configure(Config config) {
        warnWithin = Duration.ofDays(Math.max(1, config.expiryWarnDays()));
    }

    @Override
    public Result execute() {
        return Results.toFelix(TrustStoreChecks.expiry(trustStore.snapshot().certificates(), Instant.now(), warnWithin));
    }
}
