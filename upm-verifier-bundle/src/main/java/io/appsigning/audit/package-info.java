/**
 * The audit log: one JSON line per install decision, each holding the SHA-256 of the line before,
 * so that an edited, removed or reordered line is detected. Plain Java, shared with the CLI.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.appsigning.audit;
