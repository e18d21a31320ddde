package io.appsigning.truststore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The identity for which the trust store's safety is judged: a user and every group it is in.
 *
 * @param name     the user name, for messages
 * @param uid      the numeric user id
 * @param groupIds the primary and supplementary group ids
 */
public record Identity(String name, int uid, Set<Integer> groupIds) {

    public Identity {
        groupIds = Set.copyOf(groupIds);
    }

    public boolean isRoot() {
        return uid == 0;
    }

    /** The user that runs this JVM, from the kernel's view of this process. */
    public static Identity current() {
        try {
            List<String> status = Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8);
            int uid = -1;
            Set<Integer> groups = new LinkedHashSet<>();
            for (String line : status) {
                if (line.startsWith("Uid:")) {
                    uid = Integer.parseInt(line.substring(4).trim().split("\\s+")[1]); // effective uid
                } else if (line.startsWith("Gid:")) {
                    groups.add(Integer.parseInt(line.substring(4).trim().split("\\s+")[1]));
                } else if (line.startsWith("Groups:")) {
                    String list = line.substring(7).trim();
                    if (!list.isEmpty()) {
                        Arrays.stream(list.split("\\s+")).map(Integer::parseInt).forEach(groups::add);
                    }
                }
            }
            if (uid >= 0) {
                return new Identity(System.getProperty("user.name", "uid " + uid), uid, groups);
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: fall back to asking id(1) about the named user.
        }
        return ofUser(System.getProperty("user.name"));
    }

    /**
     * A user known to the system (passwd, LDAP or whatever the name service uses), as id(1) sees it.
     *
     * @throws IllegalArgumentException when there is no such user
     */
    public static Identity ofUser(String name) {
        if (name == null || name.isBlank() || name.startsWith("-")) {
            throw new IllegalArgumentException("not a user name: " + name);
        }
        String uid = id("-u", name);
        String groups = id("-G", name);
        try {
            return new Identity(name, Integer.parseInt(uid.trim()),
                    Arrays.stream(groups.trim().split("\\s+")).map(Integer::parseInt).collect(Collectors.toSet()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("no such user: " + name);
        }
    }

    private static String id(String option, String name) {
        try {
            Process process = new ProcessBuilder("id", option, name).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalArgumentException("no such user: " + name);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look up user " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while looking up user " + name, e);
        }
    }
}
