package io.appsigning.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** Input files checked up front, and file errors told in plain words that name the file. */
final class Inputs {

    private Inputs() {}

    /** A file that exists, is not a folder and can be read; {@code what} names it ("the app"). */
    static Path readableFile(String what, Path file) throws UsageException {
        if (!Files.exists(file)) {
            throw new UsageException(what + " " + file + ": file not found");
        }
        if (Files.isDirectory(file)) {
            throw new UsageException(what + " " + file + " is a folder, not a file");
        }
        if (!Files.isReadable(file)) {
            throw new UsageException(what + " " + file + " cannot be read: permission denied");
        }
        return file;
    }

    static Path folder(String what, Path folder) throws UsageException {
        if (!Files.exists(folder)) {
            throw new UsageException(what + " " + folder + ": folder not found");
        }
        if (!Files.isDirectory(folder)) {
            throw new UsageException(what + " " + folder + " is a file, not a folder");
        }
        return folder;
    }

    /** What went wrong with {@code file}, without Java's class names. */
    static String describe(String what, Path file, IOException e) {
        String subject = what + " " + file;
        if (e instanceof NoSuchFileException) {
            return subject + ": file not found";
        }
        if (e instanceof AccessDeniedException) {
            return subject + ": permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return subject + ": a part of the path is not a folder";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return subject + ": " + lowerFirst(fs.getReason());
        }
        String message = e.getMessage();
        return subject + ": " + (message == null || message.isBlank() ? "cannot be read or written" : lowerFirst(message));
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
