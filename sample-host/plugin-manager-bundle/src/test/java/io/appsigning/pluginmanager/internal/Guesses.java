package io.appsigning.pluginmanager.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Wrong passwords sent all at once, as a brute-force script would: how many of them were evaluated. */
final class Guesses {

    private Guesses() {}

    /** Sends {@code count} wrong guesses released together, guess {@code n} to {@code node.apply(n)}. */
    static int evaluated(int count, IntFunction<AdminAuth> node) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<AdminAuth.Verdict>> guesses = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                guesses.add(pool.submit(() -> {
                    go.await();
                    return node.apply(n).signIn("admin", "guess" + n, "10.0.0.9").verdict();
                }));
            }
            go.countDown();
            int wrong = 0;
            for (Future<AdminAuth.Verdict> guess : guesses) {
                wrong += guess.get(60, TimeUnit.SECONDS) == AdminAuth.Verdict.WRONG ? 1 : 0;
            }
            return wrong;
        } finally {
            pool.shutdownNow();
        }
    }
}
