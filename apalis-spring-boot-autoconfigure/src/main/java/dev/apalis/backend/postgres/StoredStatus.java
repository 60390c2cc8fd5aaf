package dev.apalis.backend.postgres;

import java.time.Duration;

import dev.apalis.task.TaskStatus;

/**
 * The statuses as rows store them, and how they map to the public {@link TaskStatus}. A row stores one
 * more status than the public enum has: {@code SCHEDULED}, a waiting task whose run time lies beyond
 * the {@linkplain #PROMOTION_WINDOW promotion window}. Such rows stay out of the claim index
 * ({@code tasks_claim_idx}), so that a large backlog of future tasks costs the claim nothing; the
 * {@link ScheduledPromoter} moves them back to {@code PENDING} or {@code FAILED} shortly before they
 * are due. Publicly a scheduled row is {@code PENDING} (no attempt yet) or {@code FAILED} (waiting
 * for a retry), as it was before it was scheduled.
 * <p>
 * Which status a waiting row gets is decided in SQL, against the database's clock ({@code now()}),
 * never the JVM's.
 */
final class StoredStatus {

    /** The status of a row waiting for a run time beyond the promotion window. */
    static final String SCHEDULED = "SCHEDULED";

    /**
     * How far ahead of its run time a scheduled task becomes claimable again. A task whose run time
     * is at most this far off is stored claimable ({@code PENDING} or {@code FAILED}) at once.
     */
    static final Duration PROMOTION_WINDOW = Duration.ofSeconds(5);

    /** How often the promoter looks for scheduled tasks due within the window (well inside it). */
    static final Duration PROMOTION_INTERVAL = Duration.ofSeconds(1);

    /** The end of the promotion window, in SQL: beyond it a waiting task is scheduled. */
    static final String HORIZON = "(now() + interval '" + PROMOTION_WINDOW.toMillis() + " milliseconds')";

    /** The stored statuses of waiting tasks, as an SQL list. */
    static final String WAITING = "('PENDING', 'SCHEDULED', 'FAILED')";

    private StoredStatus() {
    }

    /**
     * The public status of a row.
     * @param stored the row's status column
     * @param attempts the row's attempts column
     * @return the public status
     * @throws IllegalArgumentException for a status this version does not know
     */
    static TaskStatus publicStatus(String stored, int attempts) {
        if (SCHEDULED.equals(stored)) {
            return (attempts > 0) ? TaskStatus.FAILED : TaskStatus.PENDING;
        }
        return TaskStatus.valueOf(stored);
    }

    /**
     * The SQL condition that selects the rows of a public status, for a {@code WHERE} clause.
     * @param status the public status
     * @param alias the table alias to qualify the columns with, or empty for none
     * @return the condition, in parentheses
     */
    static String condition(TaskStatus status, String alias) {
        String prefix = alias.isEmpty() ? "" : alias + ".";
        return switch (status) {
            case PENDING -> "(" + prefix + "status = 'PENDING' OR (" + prefix + "status = 'SCHEDULED' AND " + prefix
                    + "attempts = 0))";
            case FAILED -> "(" + prefix + "status = 'FAILED' OR (" + prefix + "status = 'SCHEDULED' AND " + prefix
                    + "attempts > 0))";
            default -> "(" + prefix + "status = '" + status.name() + "')";
        };
    }

    /**
     * The SQL expression of a row's public status (what {@link #publicStatus} computes in Java).
     * @param alias the table alias to qualify the columns with, or empty for none
     * @return the SQL expression
     */
    static String publicStatusSql(String alias) {
        String prefix = alias.isEmpty() ? "" : alias + ".";
        return "CASE WHEN " + prefix + "status = 'SCHEDULED' THEN CASE WHEN " + prefix
                + "attempts > 0 THEN 'FAILED' ELSE 'PENDING' END ELSE " + prefix + "status END";
    }

    /**
     * The SQL expression for the stored status of a waiting task: {@code SCHEDULED} when its run time
     * is beyond the promotion window, otherwise {@code PENDING} or {@code FAILED}.
     * @param runAt the SQL expression of its run time
     * @param claimable the SQL expression of its status when claimable ({@code 'PENDING'} or
     * {@code 'FAILED'}, or an expression giving one of them)
     * @return the SQL expression
     */
    static String waiting(String runAt, String claimable) {
        return "CASE WHEN " + runAt + " > " + HORIZON + " THEN 'SCHEDULED' ELSE " + claimable + " END";
    }
}
