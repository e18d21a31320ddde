package io.appsigning.truststore.internal;

import io.appsigning.truststore.SafetyVerdict;

import io.appsigning.truststore.SafetyFinding;

import io.appsigning.truststore.Identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Judges whether the trust store is protected from an identity: the folder, its certificate files
 * and its parent must not be writable by it — not owned by it, no group or other write bit that
 * reaches it, no POSIX ACL entry that grants it write — and no symlink may leave the folder. Nor
 * may any folder further up: whoever can write one of them can rename the configuration folder
 * away and put one of their own in its place (a shared home owned by the product's group, say). A
 * folder with the sticky bit (such as {@code /tmp}) is the exception: there a user may rename only
 * what it owns, and what is below is judged on its own. The verdict comes from ownership, modes
 * and ACLs, never from trying to write.
 *
 * <p>For root, from whom nothing can be protected, the question becomes whether anyone else can
 * write: a non-root owner, a non-root group with write, other-write, or an ACL granting write.
 */
public final class TrustStoreSafety {

    private static final int GROUP_WRITE = 0020;
    private static final int OTHER_WRITE = 0002;
    private static final int STICKY = 01000;
    /**
     * getfacl is run on this many paths at once, so a large trust store costs few processes (a
     * process costs more than the listing it prints); well under the kernel's limit on arguments.
     */
    private static final int ACL_BATCH = 2000;

    private TrustStoreSafety() {}

    public static SafetyVerdict check(Path folder, Identity who) {
        List<SafetyFinding> findings = new ArrayList<>();
        Path absolute = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            findings.add(new SafetyFinding(absolute, "the trust store folder does not exist or is not a folder",
                    "mkdir -p " + absolute + " && chown root:root " + absolute + " && chmod 755 " + absolute));
            return new SafetyVerdict(who.name(), who.isRoot(), findings);
        }
        Path realFolder = CertificateFiles.realPath(absolute);
        List<Path> checked = new ArrayList<>();
        if (absolute.getParent() != null) {
            checked.add(absolute.getParent());
        }
        checked.add(absolute);
        checked.addAll(ancestorsThatMatter(absolute.getParent(), who));
        try {
            for (Path file : CertificateFiles.list(absolute)) {
                if (Files.isSymbolicLink(file)) {
                    Path target;
                    try {
                        target = file.toRealPath();
                    } catch (IOException e) {
                        findings.add(new SafetyFinding(file, "a symbolic link whose target does not exist", "rm " + file));
                        continue;
                    }
                    if (!target.startsWith(realFolder)) {
                        findings.add(new SafetyFinding(file, "a symbolic link to " + target + ", outside the trust store",
                                "rm " + file + " && cp " + target + " " + file));
                        continue;
                    }
                }
                checked.add(file);
            }
        } catch (IOException e) {
            findings.add(new SafetyFinding(absolute, "the trust store folder cannot be listed: " + e.getMessage(),
                    "chmod 755 " + absolute));
        }
        for (Path path : checked) {
            judgeOwnershipAndMode(path, who, findings);
        }
        judgeAcls(checked, who, findings);
        return new SafetyVerdict(who.name(), who.isRoot(), findings);
    }

    /**
     * The folders above {@code parent} up to {@code /}, but not those with the sticky bit that the
     * identity does not own (it cannot rename another's entry there). Through the real path: a
     * symbolic link on the way is judged where it leads.
     */
    private static List<Path> ancestorsThatMatter(Path parent, Identity who) {
        List<Path> ancestors = new ArrayList<>();
        if (parent == null) {
            return ancestors;
        }
        Path real;
        try {
            real = parent.toRealPath();
        } catch (IOException e) {
            real = parent;
        }
        for (Path folder = real.getParent(); folder != null; folder = folder.getParent()) {
            try {
                java.util.Map<String, Object> attributes = Files.readAttributes(folder, "unix:uid,mode");
                int mode = (Integer) attributes.get("mode");
                int uid = (Integer) attributes.get("uid");
                // In a sticky folder only its owner (and root) may rename another's entry.
                boolean othersCannotRename = who.isRoot() ? uid == 0 : uid != who.uid();
                if ((mode & STICKY) != 0 && othersCannotRename) {
                    continue;
                }
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                // Judged below, where that it cannot be read becomes a finding.
            }
            ancestors.add(folder);
        }
        return ancestors;
    }

    private static void judgeOwnershipAndMode(Path path, Identity who, List<SafetyFinding> findings) {
        int uid;
        int gid;
        int mode;
        try {
            // One stat for the three.
            java.util.Map<String, Object> attributes = Files.readAttributes(path, "unix:uid,gid,mode");
            uid = (Integer) attributes.get("uid");
            gid = (Integer) attributes.get("gid");
            mode = (Integer) attributes.get("mode") & 07777;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            findings.add(new SafetyFinding(path, "its owner and permissions cannot be read (" + e.getMessage()
                    + "), so it cannot be shown to be protected", "ls -ld " + path));
            return;
        }
        String modeText = String.format("mode %04o", mode);
        if (who.isRoot()) {
            if (uid != 0) {
                findings.add(new SafetyFinding(path, "owned by uid " + uid + ", not root, so that user can change it",
                        "chown root:root " + path));
            }
            if ((mode & GROUP_WRITE) != 0 && gid != 0) {
                findings.add(new SafetyFinding(path, "group-writable (" + modeText + ") by group " + gid,
                        "chmod g-w " + path));
            }
        } else {
            if (uid == who.uid()) {
                findings.add(new SafetyFinding(path, "owned by the product user " + who.name()
                        + ", who can therefore change it", "chown root:root " + path));
            }
            if ((mode & GROUP_WRITE) != 0 && who.groupIds().contains(gid)) {
                findings.add(new SafetyFinding(path, "group-writable (" + modeText + ") and the product user "
                        + who.name() + " is in its group " + gid, "chmod g-w " + path));
            }
        }
        if ((mode & OTHER_WRITE) != 0) {
            findings.add(new SafetyFinding(path, "writable by every user (" + modeText + ")", "chmod o-w " + path));
        }
    }

    /** POSIX ACLs, read with getfacl: Java cannot read system.posix_acl_access itself. */
    private static void judgeAcls(List<Path> paths, Identity who, List<SafetyFinding> findings) {
        for (int from = 0; from < paths.size(); from += ACL_BATCH) {
            List<Path> batch = paths.subList(from, Math.min(paths.size(), from + ACL_BATCH));
            Map<Path, List<String>> acls = getfacl(batch);
            if (acls == null) {
                return; // No getfacl here: ACLs cannot be read, and the README asks for the acl package.
            }
            for (Map.Entry<Path, List<String>> acl : acls.entrySet()) {
                judgeAcl(acl.getKey(), acl.getValue(), who, findings);
            }
        }
    }

    private static void judgeAcl(Path path, List<String> entries, Identity who, List<SafetyFinding> findings) {
        String mask = null;
        for (String entry : entries) {
            if (entry.startsWith("mask::")) {
                mask = entry.substring(6);
            }
        }
        for (String entry : entries) {
            String[] parts = entry.split(":");
            if (parts.length != 3 || parts[1].isEmpty() || !parts[2].contains("w")) {
                continue; // owner, owning group and other entries are the mode bits, judged above
            }
            if (mask != null && !mask.contains("w")) {
                continue; // the mask takes write away from every named entry
            }
            int id;
            try {
                id = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            boolean reaches = who.isRoot()
                    ? id != 0
                    : (parts[0].equals("user") && id == who.uid()) || (parts[0].equals("group") && who.groupIds().contains(id));
            if (reaches) {
                String kind = parts[0].equals("user") ? "u" : "g";
                findings.add(new SafetyFinding(path, "an ACL entry (" + entry + ") grants write to "
                        + (parts[0].equals("user") ? "user " : "group ") + id, "setfacl -x " + kind + ":" + id + " " + path));
            }
        }
    }

    /** Each path's ACL entries (numeric ids), or null when getfacl is not available. */
    private static Map<Path, List<String>> getfacl(List<Path> paths) {
        List<String> command = new ArrayList<>(List.of("getfacl", "--absolute-names", "--numeric", "--"));
        for (Path path : paths) {
            command.add(path.toString());
        }
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            Map<Path, List<String>> acls = new HashMap<>();
            List<String> current = null;
            for (String line : out.split("\n")) {
                if (line.startsWith("# file: ")) {
                    current = new ArrayList<>();
                    acls.put(Path.of(line.substring(8)), current);
                } else if (current != null && !line.isBlank() && !line.startsWith("#")) {
                    current.add(line.strip());
                }
            }
            return acls;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    static boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }
}
