package io.appsigning.cluster.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The accepted apps and their signature files in the shared home, each named by its SHA-256:
 * {@code apps/<sha256>.app} and {@code signatures/<sha256>.sig}. A name is only ever built from a
 * checked digest, and a file only ever appears complete (written beside its place, then renamed), so a
 * node on the other end of the network file system never reads half an app.
 */
final class SharedHome {

    /** The most a signature file may hold (the verifier reads no more either). */
    static final int MAX_SIGNATURE_BYTES = 64 * 1024;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Written by every node, whichever of the product group's users it runs as. */
    private static final String FOLDER_MODE = "rwxrwx---";
    private static final String FILE_MODE = "rw-r-----";

    private final Path apps;
    private final Path signatures;

    SharedHome(Path root) {
        this.apps = root.resolve("apps");
        this.signatures = root.resolve("signatures");
    }

    /** Keeps the app (checking it has {@code appSha256}) and the signature file; returns the latter's SHA-256 or null. */
    String store(Path app, String appSha256, byte[] signatureFile) throws IOException {
        checked(appSha256);
        if (signatureFile != null && signatureFile.length > MAX_SIGNATURE_BYTES) {
            throw new IOException("The signature file has " + signatureFile.length + " bytes; at most "
                    + MAX_SIGNATURE_BYTES + " are accepted");
        }
        Path appFile = apps.resolve(appSha256 + ".app");
        if (!hasDigest(appFile, appSha256)) {
            try (InputStream in = Files.newInputStream(app)) {
                place(in, appFile, appSha256, "the app " + app);
            }
        }
        if (signatureFile == null) {
            return null;
        }
        String signatureSha256 = sha256(signatureFile);
        Path signature = signatures.resolve(signatureSha256 + ".sig");
        if (!hasDigest(signature, signatureSha256)) {
            place(new java.io.ByteArrayInputStream(signatureFile), signature, signatureSha256, "the signature file");
        }
        return signatureSha256;
    }

    InputStream openApp(String appSha256) throws IOException {
        Path file = apps.resolve(checked(appSha256) + ".app");
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "the accepted app is missing from the shared home");
        }
    }

    byte[] signatureFile(String signatureSha256) throws IOException {
        Path file = signatures.resolve(checked(signatureSha256) + ".sig");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_SIGNATURE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "the signature file is missing from the shared home");
        }
        if (bytes.length > MAX_SIGNATURE_BYTES) {
            throw new IOException("The stored signature file " + file + " is larger than " + MAX_SIGNATURE_BYTES
                    + " bytes: it is not one this cluster stored");
        }
        // Cheap to check, and a signature file that was swapped would otherwise pass as the one accepted.
        if (!sha256(bytes).equals(signatureSha256)) {
            throw new IOException("The stored signature file " + file + " does not have the SHA-256 it is named by:"
                    + " it was changed after it was stored");
        }
        return bytes;
    }

    /** The digest as a file name part, or an IOException: a path is never built from an unchecked string. */
    static String checked(String sha256) throws IOException {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            String shown = sha256 == null ? "null"
                    : "\"" + sha256.substring(0, Math.min(sha256.length(), 80)).replaceAll("[^\\x20-\\x7e]", "?") + "\"";
            throw new IOException("Not a SHA-256 (64 lowercase hex digits): " + shown);
        }
        return sha256;
    }

    private static boolean hasDigest(Path file, String sha256) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        // A present file is trusted only if it still has its digest; a damaged one is replaced.
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest()).equals(sha256);
    }

    private static void place(InputStream in, Path target, String sha256, String what) throws IOException {
        Path folder = target.getParent();
        if (!Files.isDirectory(folder)) {
            try {
                makeFolder(folder);
            } catch (IOException e) {
                throw new IOException("The shared home's folder " + folder + " is missing and cannot be made (" + e
                        + "); create it for the product's group (README, Data Center)", e);
            }
        }
        Path temp = Files.createTempFile(folder, ".incoming-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(FILE_MODE)));
        boolean placed = false;
        try {
            MessageDigest digest = sha256();
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                byte[] buffer = new byte[64 * 1024];
                for (int read; (read = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, read);
                    out.write(buffer, 0, read);
                }
                // On disk before it is renamed into place: other nodes may read it as soon as it has its name.
                channel.force(true);
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(sha256)) {
                throw new IOException("The bytes of " + what + " have the SHA-256 " + actual + ", not " + sha256
                        + " as given: nothing was stored");
            }
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(FILE_MODE));
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            placed = true;
        } finally {
            if (!placed) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Makes the folder when missing. Only a folder this call made is given its mode: one that exists is
     * left as its maker set it, since nodes may run as different users of the product's group and only
     * a folder's owner may chmod it.
     */
    static void makeFolder(Path folder) throws IOException {
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(FOLDER_MODE));
        Files.createDirectories(folder.getParent(), mode);
        try {
            Files.createDirectory(folder, mode);
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(folder)) {
                // Another node made it since it was found missing.
                return;
            }
            throw e;
        }
        // The umask may have taken the group's bits from the mode asked for at creation.
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString(FOLDER_MODE));
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
