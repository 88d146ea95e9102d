import type { LocalText } from '../i18n/local-text.ts';

export interface FooterLink {
  href: string;
  text: LocalText;
}

export interface Brand {
  /** The council's main colour: header, links' accents, theme colour. */
  colour: string;
  /** Text on the brand colour (white or black, checked for contrast). */
  onColour: string;
  /** Standalone SVG of the council's logo, served at /logo.svg. */
  logoSvg: string;
}

export interface Contact {
  phone: string;
  email: string;
  address: LocalText;
  openingHours: LocalText;
}

export interface Tenant {
  id: string;
  slug: string;
  prefix: string;
  name: LocalText;
  brand: Brand;
  contact: Contact;
  footerLinks: FooterLink[];
}
