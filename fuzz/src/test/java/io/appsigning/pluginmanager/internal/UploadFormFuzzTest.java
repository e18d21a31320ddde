package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.RequestContext;
import java.nio.charset.StandardCharsets;

/**
 * The upload form (Commons FileUpload's streaming iterator, as the plugin manager drives it) on
 * hostile bodies: it ends with parts or an IOException (a 400), never another exception or a hang,
 * and what it reads back from a well-formed body is exact.
 */
class UploadFormFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void hostileBodies(FuzzedDataProvider data) {
        String boundary = "b" + Math.abs(data.consumeInt(0, 1_000_000));
        boolean asked = data.consumeBoolean();
        byte[] app = data.consumeBytes(data.consumeInt(0, 4096));
        // An app that contains the delimiter itself cannot be framed: such a body is not well-formed.
        boolean wellFormed = asked && !containsDelimiter(app, boundary);
        byte[] body = asked ? wellFormed(boundary, app) : data.consumeRemainingAsBytes();
        try {
            UploadForm.Parts reader = UploadForm.parts(request("multipart/form-data; boundary=" + boundary, body));
            int parts = 0;
            while (reader.hasNext()) {
                FileItemInput part = reader.next();
                byte[] read;
                try (InputStream in = part.getInputStream()) {
                    read = in.readAllBytes();
                }
                if (wellFormed && "app".equals(part.getFieldName())) {
                    assertThat(read).isEqualTo(app);
                }
                parts++;
            }
            if (wellFormed) {
                assertThat(parts).isEqualTo(1);
            }
        } catch (IOException rejected) {
            assertThat(wellFormed).as("a well-formed body was rejected: " + rejected.getMessage()).isFalse();
        }
    }

    private static RequestContext request(String contentType, byte[] body) {
        return UploadForm.request(contentType, body.length, new ByteArrayInputStream(body));
    }

    private static boolean containsDelimiter(byte[] app, String boundary) {
        return new String(app, StandardCharsets.ISO_8859_1).contains("\r\n--" + boundary);
    }

    private static byte[] wellFormed(String boundary, byte[] app) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"app\"; filename=\"a.jar\"\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(app);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
