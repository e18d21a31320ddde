package io.appsigning.health;

import java.util.List;

/**
 * One check's outcome.
 *
 * @param name     a stable name: {@code trust-store-permissions}, {@code certificate-expiry},
 *                 {@code signing-status}
 * @param status   the outcome
 * @param messages what was found, each naming the path, certificate or app concerned and what to do
 */
public record CheckResult(String name, Status status, List<String> messages) {

    public CheckResult {
        messages = List.copyOf(messages);
    }
}
