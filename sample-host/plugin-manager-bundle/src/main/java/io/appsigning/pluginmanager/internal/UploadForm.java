package io.appsigning.pluginmanager.internal;

import java.io.IOException;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.RequestContext;
import org.apache.commons.fileupload2.javax.JavaxServletFileUpload;

/**
 * The upload form, read part by part as it arrives (Commons FileUpload's streaming iterator): the
 * app's part is an input stream that flows straight into the install gate, never buffered here.
 * The gate bounds the app's size; this bounds how many parts a body may have.
 */
final class UploadForm {

    /** signature, app, allowDowngrade, allowSignerChange, and a little room. */
    static final int MAX_PARTS = 8;

    private UploadForm() {}

    /** A request as FileUpload reads it, from its parts: how the tests and the fuzz target feed it. */
    static RequestContext request(String contentType, long contentLength, java.io.InputStream body) {
        return new RequestContext() {
            @Override
            public String getCharacterEncoding() {
                return null;
            }

            @Override
            public long getContentLength() {
                return contentLength;
            }

            @Override
            public String getContentType() {
                return contentType;
            }

            @Override
            public java.io.InputStream getInputStream() {
                return body;
            }

            @Override
            public boolean isMultipartRelated() {
                return false;
            }
        };
    }

    static boolean isMultipart(RequestContext request) {
        return AbstractFileUpload.isMultipartContent(request);
    }

    /** The parts; reading them may throw IOException for a body that is not well formed (a 400). */
    static Parts parts(RequestContext request) throws IOException {
        JavaxServletFileUpload<DiskFileItem, DiskFileItemFactory> upload = new JavaxServletFileUpload<>();
        upload.setSizeMax(-1);
        upload.setFileSizeMax(-1);
        return new Parts(upload.getItemIterator(request));
    }

    /** The streaming iterator, with the count of parts bounded (FileUpload bounds it only when it buffers). */
    static final class Parts {
        private final FileItemInputIterator parts;
        private int seen;

        private Parts(FileItemInputIterator parts) {
            this.parts = parts;
        }

        boolean hasNext() throws IOException {
            return parts.hasNext();
        }

        FileItemInput next() throws IOException {
            if (++seen > MAX_PARTS) {
                throw new IOException("the upload has more than " + MAX_PARTS + " parts");
            }
            return parts.next();
        }
    }
}
