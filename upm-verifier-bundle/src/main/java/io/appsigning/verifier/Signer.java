package io.appsigning.verifier;

/**
 * Who signed: the certificate whose key verified the signature.
 *
 * @param subject the subject DN (RFC 2253)
 * @param sha256  lowercase hex SHA-256 fingerprint of the certificate's DER encoding
 */
public record Signer(String subject, String sha256) {}
