/**
 * What the tests of every module share: the repository's test data, a test PKI (keys and
 * certificates with chosen extensions and validity) and PEM text. Test scope only.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.appsigning.testsupport;
