package io.appsigning.pluginmanager.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.RequestContext;
import org.junit.jupiter.api.Test;

class UploadFormTest {

    private static final String TYPE = "multipart/form-data; boundary=b0undary";

    /** A request as the server hands it over: a content type and a body that arrives a few bytes at a time. */
    static RequestContext request(String contentType, byte[] body, long seed) {
        Random random = new Random(seed);
        InputStream trickle = new ByteArrayInputStream(body) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(7)));
            }
        };
        return UploadForm.request(contentType, body.length, trickle);
    }

    private static byte[] body(Object... nameFileBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < nameFileBytes.length; i += 3) {
            out.write(("--b0undary\r\nContent-Disposition: form-data; name=\"" + nameFileBytes[i] + "\""
                    + (nameFileBytes[i + 1] == null ? "" : "; filename=\"" + nameFileBytes[i + 1] + "\"") + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.write((byte[]) nameFileBytes[i + 2]);
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write("--b0undary--\r\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void partsComeInOrderWithTheirExactBytesWhateverTheReadSizes() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        byte[] app = new byte[200_000];
        random.nextBytes(app);
        // Bytes that begin like the delimiter, but are not one, inside a part.
        byte[] tricky = "x\r\n--b0undar\r\n--b0und\r\r\n-".getBytes(StandardCharsets.UTF_8);
        byte[] body = body("signature", "app.jar.sig", "{\"signature\": \"AA\"}".getBytes(StandardCharsets.UTF_8),
                "allowDowngrade", null, "true".getBytes(StandardCharsets.UTF_8), "note", null, tricky, "app", "app.jar", app);
        UploadForm.Parts parts = UploadForm.parts(request(TYPE, body, seed));
        List<String> names = new ArrayList<>();
        while (parts.hasNext()) {
            FileItemInput part = parts.next();
            names.add(part.getFieldName() + "|" + part.getName());
            byte[] read = part.getInputStream().readAllBytes();
            switch (part.getFieldName()) {
                case "app" -> assertThat(read).as("seed " + seed).isEqualTo(app);
                case "note" -> assertThat(read).as("seed " + seed).isEqualTo(tricky);
                case "allowDowngrade" -> assertThat(new String(read, StandardCharsets.UTF_8)).isEqualTo("true");
                default -> assertThat(new String(read, StandardCharsets.UTF_8)).startsWith("{\"signature\"");
            }
        }
        assertThat(names).containsExactly("signature|app.jar.sig", "allowDowngrade|null", "note|null", "app|app.jar");
    }

    @Test
    void anUnreadPartIsSkipped() throws Exception {
        byte[] body = body("first", null, new byte[100_000], "second", "s.bin", "two".getBytes(StandardCharsets.UTF_8));
        UploadForm.Parts parts = UploadForm.parts(request(TYPE, body, 1));
        assertThat(parts.next().getFieldName()).isEqualTo("first");
        FileItemInput second = parts.next();
        assertThat(second.getFieldName()).isEqualTo("second");
        assertThat(second.getInputStream().readAllBytes()).isEqualTo("two".getBytes(StandardCharsets.UTF_8));
        assertThat(parts.hasNext()).isFalse();
    }

    @Test
    void whatIsNotMultipartOrIsCutOffOrHasTooManyPartsFailsWithAnIoError() throws Exception {
        assertThat(UploadForm.isMultipart(request("application/json", new byte[0], 1))).isFalse();
        assertThat(UploadForm.isMultipart(request(TYPE, new byte[0], 1))).isTrue();
        assertThatThrownBy(() -> UploadForm.parts(request("multipart/form-data", new byte[10], 1)).hasNext())
                .isInstanceOf(IOException.class);
        byte[] whole = body("app", "a.jar", new byte[5000]);
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 30);
        UploadForm.Parts parts = UploadForm.parts(request(TYPE, cut, 2));
        FileItemInput part = parts.next();
        assertThatThrownBy(() -> part.getInputStream().readAllBytes()).isInstanceOf(IOException.class);
        Object[] many = new Object[3 * (UploadForm.MAX_PARTS + 1)];
        for (int i = 0; i < UploadForm.MAX_PARTS + 1; i++) {
            many[3 * i] = "p" + i;
            many[3 * i + 1] = "f" + i;
            many[3 * i + 2] = new byte[1];
        }
        UploadForm.Parts crowd = UploadForm.parts(request(TYPE, body(many), 3));
        assertThatThrownBy(() -> {
            while (crowd.hasNext()) {
                crowd.next().getInputStream().readAllBytes();
            }
        }).isInstanceOf(IOException.class);
        byte[] longHeader = ("--b0undary\r\nContent-Disposition: form-data; name=\"" + "n".repeat(20_000) + "\"\r\n\r\nx\r\n--b0undary--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> UploadForm.parts(request(TYPE, longHeader, 4)).next()).isInstanceOf(IOException.class);
    }
}
