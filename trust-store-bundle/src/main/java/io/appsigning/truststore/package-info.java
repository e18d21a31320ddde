/**
 * The trust store: the operator's folder of trusted certificates, its safety verdict and the
 * deny list, handed out as immutable snapshots. Plain Java; the OSGi component lives in
 * {@code io.appsigning.truststore.internal}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.appsigning.truststore;
