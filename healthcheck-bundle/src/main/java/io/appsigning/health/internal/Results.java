package io.appsigning.health.internal;

import io.appsigning.health.CheckResult;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;

/** Our check results as Felix Health Check results: one entry per message, at the check's status. */
final class Results {

    private Results() {}

    static Result toFelix(CheckResult check) {
        Result.Status status = switch (check.status()) {
            case OK -> Result.Status.OK;
            case WARN -> Result.Status.WARN;
            case CRITICAL -> Result.Status.CRITICAL;
        };
        ResultLog log = new ResultLog();
        for (String message : check.messages()) {
            log.add(new ResultLog.Entry(status, message));
        }
        if (check.messages().isEmpty()) {
            log.add(new ResultLog.Entry(status, check.name() + ": " + check.status()));
        }
        return new Result(log);
    }
}
