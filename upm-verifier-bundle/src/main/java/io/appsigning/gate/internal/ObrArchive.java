package io.appsigning.gate.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * An OBR archive (DESIGN.md): a ZIP with the app's bundle at its root and the bundles it needs
 * under {@code dependencies/}; an {@code obr.xml} may be there and is not needed. Its bundles are
 * extracted into private files of the gate's spool folder: an entry's name never becomes a path,
 * and what an entry says of its own size is never trusted (the bytes are counted as they come).
 */
final class ObrArchive {

    /** More bundles than this in one app is not an app's archive. */
    static final int MAX_BUNDLES = 64;

    /**
     * The extracted bundles.
     *
     * @param root         the app's own bundle
     * @param dependencies the bundles it needs, in the archive's order
     */
    record Contents(Path root, List<Path> dependencies) {

        void deleteQuietly() {
            List<Path> all = new ArrayList<>(dependencies);
            all.add(root);
            for (Path file : all) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // The spool folder goes with the activation.
                }
            }
        }
    }

    /** Why a file that looked like an OBR archive is not one; the message is for an administrator. */
    static final class NotAnArchive extends Exception {
        private static final long serialVersionUID = 1L;

        NotAnArchive(String message) {
            super(message);
        }
    }

    private ObrArchive() {}

    /**
     * Whether the file is an OBR archive rather than a bundle: a ZIP without a bundle manifest of
     * its own, holding at least one {@code .jar}. Anything unreadable is left to the bundle check.
     */
    static boolean isArchive(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.getEntry("META-INF/MANIFEST.MF") != null) {
                return false;
            }
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                if (entries.nextElement().getName().endsWith(".jar")) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Extracts the root bundle and the dependencies, at most {@code maxBytes} in all. */
    static Contents extract(Path file, Path folder, long maxBytes) throws NotAnArchive, IOException {
        Path root = null;
        List<Path> dependencies = new ArrayList<>();
        long[] budget = {maxBytes};
        try (ZipFile zip = new ZipFile(file.toFile())) {
            int bundles = 0;
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (entry.isDirectory() || name.equals("obr.xml")) {
                    continue;
                }
                boolean atRoot = name.endsWith(".jar") && name.indexOf('/') < 0;
                boolean dependency = name.startsWith("dependencies/") && name.endsWith(".jar")
                        && name.indexOf('/', "dependencies/".length()) < 0 && name.length() > "dependencies/.jar".length();
                if (!atRoot && !dependency) {
                    throw new NotAnArchive("the OBR archive holds " + printable(name) + ", which is neither the app's bundle"
                            + " at its root nor a bundle under dependencies/");
                }
                if (++bundles > MAX_BUNDLES) {
                    throw new NotAnArchive("the OBR archive holds more than " + MAX_BUNDLES + " bundles");
                }
                if (atRoot && root != null) {
                    throw new NotAnArchive("the OBR archive holds more than one bundle at its root; the app's own bundle is"
                            + " the only one there, its dependencies go under dependencies/");
                }
                Path extracted = Files.createTempFile(folder, atRoot ? "obr-root-" : "obr-dependency-", ".jar",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                if (atRoot) {
                    root = extracted;
                } else {
                    dependencies.add(extracted);
                }
                copy(zip, entry, extracted, budget);
            }
        } catch (NotAnArchive | IOException e) {
            new Contents(root == null ? folder.resolve(".none") : root, dependencies).deleteQuietly();
            throw e;
        } catch (RuntimeException e) {
            // The JDK's zip code throws unchecked exceptions for some malformed archives: still the archive's fault.
            new Contents(root == null ? folder.resolve(".none") : root, dependencies).deleteQuietly();
            throw new NotAnArchive("the OBR archive cannot be read (" + printable(String.valueOf(e.getMessage())) + ")");
        }
        if (root == null) {
            new Contents(folder.resolve(".none"), dependencies).deleteQuietly();
            throw new NotAnArchive("the OBR archive has no bundle at its root (the app's own bundle)");
        }
        return new Contents(root, List.copyOf(dependencies));
    }

    private static void copy(ZipFile zip, ZipEntry entry, Path target, long[] budget) throws IOException, NotAnArchive {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = zip.getInputStream(entry); OutputStream out = Files.newOutputStream(target)) {
            for (int n; (n = read(in, entry, buffer)) != -1; ) {
                budget[0] -= n;
                if (budget[0] < 0) {
                    throw new NotAnArchive("the OBR archive's bundles together are larger than the upload limit");
                }
                out.write(buffer, 0, n);
            }
        }
    }

    /**
     * Reads an entry's bytes; data that cannot be inflated or fails its CRC is a broken archive (the
     * upload's fault), not a failure to store it, which only writing can be.
     */
    private static int read(InputStream in, ZipEntry entry, byte[] buffer) throws NotAnArchive {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new NotAnArchive("the OBR archive's entry " + printable(entry.getName()) + " cannot be read ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : printable(e.getMessage())) + ")");
        }
    }

    /** An entry's name as the message may quote it: no character that could break or forge a line of a log. */
    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(200).forEach(c -> out.appendCodePoint(Character.isISOControl(c)
                || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR ? '?' : c));
        return out.toString();
    }
}
