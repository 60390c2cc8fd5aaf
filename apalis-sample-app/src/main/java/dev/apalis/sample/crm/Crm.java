package dev.apalis.sample.crm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Stands for a CRM reached over the network. It can be taken down and brought back with
 * {@code POST} and {@code DELETE /crm/outage}, to see the {@code crm-sync} worker pause and resume.
 */
@Component
public class Crm {

    private static final Logger logger = LoggerFactory.getLogger(Crm.class);

    private final Map<Long, CrmContact> contacts = new ConcurrentHashMap<>();

    private volatile boolean up = true;

    public boolean isUp() {
        return this.up;
    }

    void setUp(boolean up) {
        this.up = up;
        logger.info("The CRM is {}", up ? "back up" : "down (simulated outage)");
    }

    /**
     * Creates or updates a contact; doing it twice is harmless.
     * @param contact the contact
     * @throws IllegalStateException when the CRM is down
     */
    public void upsert(CrmContact contact) {
        if (!this.up) {
            throw new IllegalStateException("503 from the CRM");
        }
        this.contacts.put(contact.signup(), contact);
        logger.info("CRM contact {} is {}", contact.signup(), contact.email());
    }
}
