package dev.edgellm.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvailabilityTest {
    @Test
    void availableIsAutoSelectable() {
        Availability a = Availability.available(10, "fast");
        assertTrue(a.isAvailable());
        assertTrue(a.autoSelectable());
        assertEquals("available (score 10): fast", a.toString());
        assertThrows(IllegalArgumentException.class, () -> Availability.available(0, "x"));
    }

    @Test
    void onRequestIsUsableButNeverAuto() {
        Availability a = Availability.onRequest("software Vulkan driver");
        assertTrue(a.isAvailable(), "can be forced by name");
        assertFalse(a.autoSelectable(), "auto must skip it");
        assertEquals("available on request: software Vulkan driver", a.toString());
    }

    @Test
    void unavailableIsNeither() {
        Availability a = Availability.unavailable("no driver");
        assertFalse(a.isAvailable());
        assertFalse(a.autoSelectable());
        assertEquals("unavailable: no driver", a.toString());
    }
}
