package dev.apalis.schedule;

import java.util.List;

/**
 * Told what each schedule round did with its slots (pushed on time, caught up, skipped), for metrics
 * and logs. Called on the schedule loop's thread after the round committed; must return quickly.
 */
@FunctionalInterface
public interface SlotListener {

    /**
     * @param events what became of the round's slots, never empty
     */
    void slots(List<SlotEvent> events);
}
