package io.appsigning.gate;

import java.io.InputStream;

/**
 * One app to install or update through the gate.
 *
 * @param app               the app's bytes as uploaded; read once, not closed by the gate
 * @param fileName          the uploaded file's name, for messages only (never used as a path);
 *                          control characters are replaced and the length bounded, so that it can
 *                          never forge a line in a log
 * @param signatureFile     the raw {@code .sig} bytes, or null when none came with the app
 * @param origin            where the app came from
 * @param user              who asked, for the audit log
 * @param allowDowngrade    install even when the installed version is newer (ENFORCE asks for it)
 * @param allowSignerChange install even when another signer signed the installed version
 */
public record InstallRequest(
        InputStream app, String fileName, byte[] signatureFile, Origin origin, String user,
        boolean allowDowngrade, boolean allowSignerChange) {

    private static final int MAX_NAME = 255;

    public InstallRequest {
        if (app == null || origin == null) {
            throw new NullPointerException("app and origin are required");
        }
        fileName = printable(fileName == null || fileName.isEmpty() ? "app" : fileName);
        user = printable(user == null ? "unknown" : user);
    }

    /** A request that allows neither a downgrade nor a change of signer. */
    public InstallRequest(InputStream app, String fileName, byte[] signatureFile, Origin origin, String user) {
        this(app, fileName, signatureFile, origin, user, false, false);
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_NAME));
        text.codePoints().limit(MAX_NAME).forEach(c -> out.appendCodePoint(Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR ? '?' : c));
        return out.toString();
    }
}
