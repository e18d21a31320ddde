package io.appsigning.truststore;

/**
 * The trust store as a service. Callers take one snapshot per decision and use only that
 * snapshot, so that a reload in the middle of a verification cannot mix two trust stores.
 */
@org.osgi.annotation.versioning.ProviderType
public interface TrustStore {

    /** The latest loaded state; never null, cheap to call. */
    TrustStoreSnapshot snapshot();
}
