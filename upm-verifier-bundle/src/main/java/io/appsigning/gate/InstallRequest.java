package io.appsigning.gate;

import java.io.InputStream;

/**
 * One app to install or update through the gate.
 *
 * @param app           the app's bytes as uploaded; read once, not closed by the gate
 * @param fileName      the uploaded file's name, for messages only (never used as a path)
 * @param signatureFile the raw {@code .sig} bytes, or null when none came with the app
 * @param origin        where the app came from
 * @param user          who asked, for the audit log
 */
public record InstallRequest(
        InputStream app, String fileName, byte[] signatureFile, Origin origin, String user) {}
