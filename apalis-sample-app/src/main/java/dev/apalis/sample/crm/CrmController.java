package dev.apalis.sample.crm;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Simulates a CRM outage: {@code POST /crm/outage} takes the CRM down, {@code DELETE /crm/outage}
 * brings it back.
 */
@RestController
class CrmController {

    private final Crm crm;

    CrmController(Crm crm) {
        this.crm = crm;
    }

    @PostMapping("/crm/outage")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void startOutage() {
        this.crm.setUp(false);
    }

    @DeleteMapping("/crm/outage")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void endOutage() {
        this.crm.setUp(true);
    }
}
