package io.appsigning.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.Provider;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the SHA-512 that hashes apps. Pure Ed25519 verification is one SHA-512 pass over the app,
 * and the JDK's SHA-512 is about 1.18x slower than OpenSSL's on current x86 CPUs (BENCHMARKS.md), so
 * where this JVM can call native code, apps are hashed by the system's OpenSSL libcrypto instead.
 *
 * <p>That needs Java 17's incubating {@code jdk.incubator.foreign} module, resolved and allowed
 * native access on the command line ({@code bin/appsign} does so on JDK 17 and 18 for {@code verify});
 * otherwise, or with {@code APPSIGN_LIBCRYPTO=off}, the JDK's SHA-512 is used and nothing changes.
 * The library is loaded only from a file that root owns and nobody else can write, along with every
 * folder above it (a library is code that runs in this process), and used only after it hashes
 * known inputs exactly as the JDK does. Decisions never depend on which SHA-512 ran.
 */
final class NativeHashing {

    static final String MODULE = "jdk.incubator.foreign";
    static final String ENVIRONMENT = "APPSIGN_LIBCRYPTO";
    private static final List<String> NAMES = List.of("libcrypto.so.3", "libcrypto.so.1.1");
    /** FIPS 180-2's example: SHA-512("abc"). */
    private static final String ABC = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    /** FIPS 180-2's two-block example (896 bits) and its SHA-512. */
    private static final String TWO_BLOCKS = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
            + "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    private static final String TWO_BLOCKS_SHA512 = "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            + "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909";

    private NativeHashing() {
    }

    /** The choice for this process, from its environment and JVM. */
    static Hashing choose(Map<String, String> environment) {
        return choose(environment.get(ENVIRONMENT), ModuleLayer.boot().findModule(MODULE).isPresent(),
                System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    static Hashing choose(String setting, boolean moduleResolved, String osName, String osArch) {
        if ("off".equals(setting)) {
            return Hashing.jdk(ENVIRONMENT + "=off");
        }
        if (!osName.equals("Linux")) {
            return Hashing.jdk("OpenSSL's libcrypto is used on Linux only");
        }
        if (!moduleResolved) {
            return Hashing.jdk("this JVM did not resolve " + MODULE + "; bin/appsign adds it on JDK 17 and 18");
        }
        List<Path> candidates = setting == null || setting.isEmpty() ? candidates(osArch) : List.of(Path.of(setting));
        List<String> refused = new ArrayList<>();
        for (Path candidate : candidates) {
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path real;
            try {
                real = candidate.toRealPath();
            } catch (IOException e) {
                refused.add(candidate + " cannot be resolved (" + e.getMessage() + ")");
                continue;
            }
            // The file judged is the file loaded: no link is followed again in between.
            String problem = unsafe(real);
            if (problem != null) {
                refused.add(problem);
                continue;
            }
            return bind(real);
        }
        if (!refused.isEmpty()) {
            return Hashing.jdk("libcrypto not used: " + String.join("; ", refused));
        }
        return Hashing.jdk("no OpenSSL libcrypto at " + candidates.stream().map(Path::toString)
                .reduce((a, b) -> a + ", " + b).orElse("(no place known for " + osArch + ")"));
    }

    /** The places a distribution keeps libcrypto, in its multiarch folder first. */
    static List<Path> candidates(String osArch) {
        String triple = switch (osArch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            default -> null;
        };
        List<String> folders = new ArrayList<>();
        if (triple != null) {
            folders.addAll(List.of("/usr/lib/" + triple, "/lib/" + triple));
        }
        folders.addAll(List.of("/usr/lib64", "/lib64", "/usr/lib"));
        List<Path> paths = new ArrayList<>();
        for (String folder : folders) {
            for (String name : NAMES) {
                paths.add(Path.of(folder, name));
            }
        }
        return paths;
    }

    /**
     * Why the library file must not be loaded, or null when root owns it and every folder above it
     * and none can be written by a group or other users.
     *
     * @param real the library's real path (no links in it)
     */
    static String unsafe(Path real) {
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            return real + " is not a file";
        }
        for (Path step = real; step != null; step = step.getParent()) {
            try {
                int owner = (Integer) Files.getAttribute(step, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(step, LinkOption.NOFOLLOW_LINKS);
                if (owner != 0) {
                    return step + " belongs to user " + owner + ", not root";
                }
                if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                        || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
                    return step + " can be written by " + (permissions.contains(PosixFilePermission.OTHERS_WRITE)
                            ? "every user" : "its group");
                }
            } catch (IOException | UnsupportedOperationException e) {
                return step + " cannot be checked (" + e.getMessage() + ")";
            }
        }
        return null;
    }

    private static Hashing bind(Path file) {
        Provider provider;
        try {
            Libcrypto library = Libcrypto.bind(file);
            provider = new LibcryptoProvider(library);
            String failure = selfTest(provider);
            if (failure != null) {
                return Hashing.jdk(file + " failed its self-test: " + failure);
            }
            return new Hashing(provider, library.version + " (" + file + ")");
        } catch (IllegalCallerException e) {
            return Hashing.jdk("this JVM does not allow native access; bin/appsign adds --enable-native-access=ALL-UNNAMED");
        } catch (LinkageError | RuntimeException e) {
            return Hashing.jdk(file + " cannot be used: " + e.getMessage());
        }
    }

    /**
     * Null when the provider's SHA-512 gives FIPS 180-2's answers for its two examples, fed whole, as
     * array, heap and direct buffer pieces, through a clone and after a reset; else what differed.
     * Known answers rather than a comparison with the JDK's SHA-512, which would run interpreted here.
     */
    static String selfTest(Provider provider) {
        try {
            MessageDigest ours = MessageDigest.getInstance("SHA-512", provider);
            if (!HexFormat.of().formatHex(ours.digest(ascii("abc"))).equals(ABC)) {
                return "SHA-512(\"abc\") is wrong";
            }
            byte[] message = ascii(TWO_BLOCKS);
            ours.update(message, 0, 7);
            MessageDigest fork = (MessageDigest) ours.clone();
            ours.update(ByteBuffer.wrap(message, 7, 40));
            ByteBuffer direct = ByteBuffer.allocateDirect(message.length + 9);
            direct.position(5);
            direct.put(message).position(5 + 47).limit(5 + 100);
            ours.update(direct);
            ours.update(message, 100, message.length - 100);
            if (!HexFormat.of().formatHex(ours.digest()).equals(TWO_BLOCKS_SHA512)) {
                return "SHA-512 of FIPS 180-2's two-block example in pieces is wrong";
            }
            fork.update(message, 7, message.length - 7);
            if (!HexFormat.of().formatHex(fork.digest()).equals(TWO_BLOCKS_SHA512)) {
                return "a cloned SHA-512 is wrong";
            }
            return null;
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
