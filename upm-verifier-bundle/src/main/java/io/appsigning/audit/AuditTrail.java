package io.appsigning.audit;

import java.io.IOException;
import java.util.Map;

/**
 * The product's hash-chained audit log (a service): one writer per product home, shared by every
 * component that records a decision.
 */
@org.osgi.annotation.versioning.ProviderType
public interface AuditTrail {

    /** Appends one line, its fields in the order given; the line is on disk when this returns. */
    void append(Map<String, ?> line) throws IOException;

    /** The chain's head: the hash that the next line will carry as {@code prev}. */
    String head();

    /** How many lines the log holds. */
    long lines();

    /** Where the log is, for messages and {@code appsign audit-verify}. */
    String location();
}
