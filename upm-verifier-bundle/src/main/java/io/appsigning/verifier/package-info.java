/**
 * The verification core: signature file parsing and the two verification flows (marketplace,
 * custom). Plain Java with no OSGi types, shared by the install gate, the CLI and the tests.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.appsigning.verifier;
