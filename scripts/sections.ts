// Every config section of the system, in the order the docs list them.
// Shared by the README generator and the docs test.
import { aiEventsSection, coreSection, redactionSection, type ConfigSection } from '@dialer/core';
import { apiSection } from '@dialer/api';
import { ariSection, dialerSection } from '@dialer/ari-controller';
import { mediaSection } from '@dialer/media-gateway';
import { sttSection } from '@dialer/stt-providers';

export const ALL_SECTIONS: readonly ConfigSection[] = [coreSection, apiSection, ariSection, dialerSection, mediaSection, sttSection, aiEventsSection, redactionSection];
