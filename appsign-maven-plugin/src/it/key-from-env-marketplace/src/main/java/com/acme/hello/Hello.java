package com.acme.hello;

public final class Hello {
    public static String greeting() {
        return "Hello from Acme";
    }
}
