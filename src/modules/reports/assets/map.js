// Progressive enhancement: a Leaflet map where MAP_TILE_URL is set, and "use my location".
// Without this file (or without tiles) the postcode and address search does everything.
const maps = [...document.querySelectorAll('[data-module="app-report-map"]')].filter((e) => e.dataset.tiles);
// Leaflet is fetched only for a page that shows a map.
const L = maps.length ? await import('/assets/leaflet/leaflet-src.esm.js') : undefined;
if (L) L.Icon.Default.imagePath = '/assets/leaflet/images/';

function number(value) {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) ? n : undefined;
}

for (const element of L ? maps : []) {
  const tiles = element.dataset.tiles;
  element.hidden = false;
  const lat = number(element.dataset.lat);
  const lng = number(element.dataset.lng);
  const map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(tiles, { maxZoom: 19, attribution: element.dataset.attribution || '' }).addTo(map);
  if (lat !== undefined && lng !== undefined) {
    map.setView([lat, lng], element.parentElement?.querySelector('.app-around') ? 15 : 17);
    L.marker([lat, lng], { keyboard: false }).addTo(map);
  } else {
    map.setView([number(element.dataset.centreLat) ?? 52.25, number(element.dataset.centreLng) ?? -1.35], 11);
  }
  for (const item of element.parentElement?.querySelectorAll('[data-near-lat]') ?? []) {
    const marker = L.circleMarker([Number(item.dataset.nearLat), Number(item.dataset.nearLng)], {
      radius: 8,
    });
    marker.bindTooltip(item.dataset.nearTitle || '').addTo(map);
  }
  // Picking a place: a click on the map goes on to the categories, as the address search does.
  const pick = element.dataset.pick;
  if (pick) {
    map.on('click', (event) => {
      const { lat: la, lng: lo } = event.latlng;
      window.location.assign(`${pick}?lat=${la.toFixed(6)}&lng=${lo.toFixed(6)}`);
    });
  }
}

for (const form of document.querySelectorAll('[data-module="app-use-location"]')) {
  if (!('geolocation' in navigator)) continue;
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        form.elements.lng.value = position.coords.longitude.toFixed(6);
        form.submit();
      },
      () => {
        const message = form.querySelector('.app-location-error');
        if (message) message.hidden = false;
      },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}
