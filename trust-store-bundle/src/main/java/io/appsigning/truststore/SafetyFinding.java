package io.appsigning.truststore;

import java.nio.file.Path;

/**
 * One reason the trust store is not protected from the product user.
 *
 * @param path    the file or folder concerned
 * @param problem what is wrong, for example "group-writable (mode 0775) and the product user is in group staff"
 * @param fix     the command that fixes it, for example "chmod g-w /opt/product/upmconfig/truststore"
 */
public record SafetyFinding(Path path, String problem, String fix) {}
