package io.appsigning.verifier.internal;

import io.appsigning.verifier.Signer;

import io.appsigning.verifier.ReasonCode;

import io.appsigning.truststore.TrustedCertificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;

/** Small certificate facts used by both flows. */
final class Certificates {

    private Certificates() {}

    /** VERIFIED when valid at {@code at}, else CERTIFICATE_EXPIRED or CERTIFICATE_NOT_YET_VALID. */
    static ReasonCode validity(X509Certificate certificate, Instant at) {
        try {
            certificate.checkValidity(Date.from(at));
            return ReasonCode.VERIFIED;
        } catch (CertificateExpiredException e) {
            return ReasonCode.CERTIFICATE_EXPIRED;
        } catch (CertificateNotYetValidException e) {
            return ReasonCode.CERTIFICATE_NOT_YET_VALID;
        }
    }

    static Signer signer(TrustedCertificate certificate) {
        return new Signer(certificate.subject(), certificate.sha256());
    }
}
