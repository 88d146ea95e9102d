import type { FastifyRequest } from 'fastify';
import type { Translate } from '../i18n/catalogue.ts';
import { type Language, localise } from '../i18n/local-text.ts';
import type { Tenant } from '../tenancy/tenant.ts';

export interface NavigationItem {
  href: string;
  /** Catalogue key of its label. */
  label: string;
  /** Marks the item current for paths under it, not only the exact path. */
  prefix?: boolean;
}

/** Everything the layout needs about the council, language and place in the site. */
export interface PageContext {
  lang: Language;
  path: string;
  tenant: {
    name: string;
    nameLang: Language | undefined;
    slug: string;
    brand: Tenant['brand'];
    brandVersion: string;
    contact: { phone: string; email: string; address: string; openingHours: string };
  };
  navigation: { href: string; text: string; active: boolean }[];
  languages: { href?: string; text: string; lang: Language; current: boolean }[];
  footerLinks: { href: string; text: string; lang: Language | undefined }[];
  assets: { css: string; js: string };
}

export function hrefWithLanguage(url: string, lang: Language): string {
  const parsed = new URL(url, 'http://x');
  parsed.searchParams.set('lang', lang);
  return `${parsed.pathname}${parsed.search}`;
}

export function buildPageContext(
  request: FastifyRequest,
  t: Translate,
  navigation: NavigationItem[],
  assets: PageContext['assets'],
  brandVersion: string,
): PageContext {
  const { tenant, lang } = request;
  const path = request.url.split('?')[0] ?? '/';
  const name = localise(tenant.name, lang);
  const languageItem = (code: Language, text: string) => ({
    text,
    lang: code,
    current: code === lang,
    ...(code === lang ? {} : { href: hrefWithLanguage(request.url, code) }),
  });
  return {
    lang,
    path,
    tenant: {
      name: name.text,
      nameLang: name.lang,
      slug: tenant.slug,
      brand: tenant.brand,
      brandVersion,
      contact: {
        phone: tenant.contact.phone,
        email: tenant.contact.email,
        address: localise(tenant.contact.address, lang).text,
        openingHours: localise(tenant.contact.openingHours, lang).text,
      },
    },
    navigation: navigation.map((item) => ({
      href: item.href,
      text: t(item.label),
      active: item.prefix ? path === item.href || path.startsWith(`${item.href}/`) : path === item.href,
    })),
    languages: [languageItem('en', 'English'), languageItem('cy', 'Cymraeg')],
    footerLinks: footerLinks(tenant, lang, t),
    assets,
  };
}

/** The council's own links first, then the pages every site must have, each once. */
function footerLinks(tenant: Tenant, lang: Language, t: Translate): PageContext['footerLinks'] {
  const links: PageContext['footerLinks'] = tenant.footerLinks.map((link) => {
    const text = localise(link.text, lang);
    return { href: link.href, text: text.text, lang: text.lang };
  });
  const required = [
    { href: '/accessibility', text: t('layout.footer-accessibility'), lang: undefined },
    { href: '/privacy', text: t('layout.footer-privacy'), lang: undefined },
    { href: '/cookies', text: t('layout.footer-cookies'), lang: undefined },
    { href: '/contact', text: t('layout.footer-contact-us'), lang: undefined },
  ];
  for (const link of required) if (!links.some((l) => l.href === link.href)) links.push(link);
  return links;
}
