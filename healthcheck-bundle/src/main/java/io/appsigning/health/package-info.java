/**
 * The checks behind the product's health checks and the CLI's {@code health} command: trust store
 * safety, certificate expiry and signing status, as plain values. The Felix Health Checks services
 * in {@code io.appsigning.health.internal} wrap these; there is one implementation of each check.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.appsigning.health;
